"""Problems of the robot code-generation benchmark, written for cap.

Each is a function to define from its signature and a one-line description, a reference
solution, and a randomised test: policy code that calls `candidate` and `reference` on drawn
inputs and asserts they agree (or asserts a property). Tests run in the sandbox worker.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    name: str
    category: str  # numpy | controllers | shapely | policy_api
    signature: str  # "def name(args):"
    description: str
    reference: str  # a definition of `name`
    test: str  # uses candidate(...) and reference(...)


def _p(category, signature, description, reference, test):
    name = signature.split("(")[0].replace("def ", "").strip()
    return Problem(name, category, signature, description, reference, test)


SAME_ON_POINTS = """rng = np.random.default_rng(0)
for trial in range(20):
    pts = rng.uniform(-0.3, 0.3, (int(rng.integers(2, 9)), 2))
    assert np.allclose(candidate(pts), reference(pts), atol=1e-6), trial"""

NUMPY = [
    _p("numpy", "def centroid(pts):", "the mean point of an (N, 2) array of points",
       "def centroid(pts):\n    return np.asarray(pts).mean(axis=0)", SAME_ON_POINTS),
    _p("numpy", "def farthest_pair_distance(pts):",
       "the largest distance between any two of the points",
       "def farthest_pair_distance(pts):\n    pts = np.asarray(pts)\n"
       "    return max(np.linalg.norm(a - b) for a in pts for b in pts)", SAME_ON_POINTS),
    _p("numpy", "def sort_left_to_right(pts):", "the points ordered by increasing x",
       "def sort_left_to_right(pts):\n    pts = np.asarray(pts)\n    return pts[np.argsort(pts[:, 0])]",
       SAME_ON_POINTS),
    _p("numpy", "def bounding_box(pts):", "(xmin, ymin, xmax, ymax) of the points",
       "def bounding_box(pts):\n    pts = np.asarray(pts)\n"
       "    return np.array([*pts.min(axis=0), *pts.max(axis=0)])", SAME_ON_POINTS),
    _p("numpy", "def rotate_about_centroid(pts, degrees):",
       "the points turned counterclockwise by `degrees` about their centroid",
       "def rotate_about_centroid(pts, degrees):\n    pts = np.asarray(pts)\n"
       "    c = pts.mean(axis=0)\n    a = np.radians(degrees)\n"
       "    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])\n"
       "    return c + (pts - c) @ r.T",
       "rng = np.random.default_rng(1)\nfor trial in range(20):\n"
       "    pts = rng.uniform(-0.3, 0.3, (5, 2))\n    d = float(rng.uniform(-180, 180))\n"
       "    assert np.allclose(candidate(pts, d), reference(pts, d), atol=1e-6), trial"),
    _p("numpy", "def nearest_index(pts, target):", "the index of the point nearest to target",
       "def nearest_index(pts, target):\n"
       "    return int(np.argmin(np.linalg.norm(np.asarray(pts) - np.asarray(target), axis=1)))",
       "rng = np.random.default_rng(2)\nfor trial in range(20):\n"
       "    pts = rng.uniform(-0.3, 0.3, (6, 2))\n    t = rng.uniform(-0.3, 0.3, 2)\n"
       "    assert candidate(pts, t) == reference(pts, t), trial"),
    _p("numpy", "def evenly_spaced(start, end, n):",
       "n points evenly spaced from start to end inclusive, as an (n, 2) array",
       "def evenly_spaced(start, end, n):\n"
       "    return np.linspace(np.asarray(start, float), np.asarray(end, float), n)",
       "rng = np.random.default_rng(3)\nfor trial in range(20):\n"
       "    a, b = rng.uniform(-0.3, 0.3, 2), rng.uniform(-0.3, 0.3, 2)\n"
       "    n = int(rng.integers(2, 7))\n"
       "    assert np.allclose(candidate(a, b, n), reference(a, b, n)), trial"),
    _p("numpy", "def path_length(pts):", "the total length of the polyline through the points",
       "def path_length(pts):\n"
       "    return float(np.linalg.norm(np.diff(np.asarray(pts), axis=0), axis=1).sum())",
       SAME_ON_POINTS),
    _p("numpy", "def grid_points(center, rows, cols, spacing):",
       "a rows x cols grid of points centred on center, as an (rows*cols, 2) array in row-major "
       "order starting from the bottom-left",
       "def grid_points(center, rows, cols, spacing):\n"
       "    xs = (np.arange(cols) - (cols - 1) / 2) * spacing\n"
       "    ys = (np.arange(rows) - (rows - 1) / 2) * spacing\n"
       "    return np.array([[x, y] for y in ys for x in xs]) + np.asarray(center)",
       "rng = np.random.default_rng(4)\nfor trial in range(20):\n"
       "    c = rng.uniform(-0.1, 0.1, 2)\n    r, k = int(rng.integers(1, 4)), int(rng.integers(1, 4))\n"
       "    assert np.allclose(candidate(c, r, k, 0.05), reference(c, r, k, 0.05)), trial"),
    _p("numpy", "def angle_between(v1, v2):", "the angle between two 2D vectors in degrees",
       "def angle_between(v1, v2):\n    v1, v2 = np.asarray(v1), np.asarray(v2)\n"
       "    c = v1 @ v2 / (np.linalg.norm(v1) * np.linalg.norm(v2))\n"
       "    return float(np.degrees(np.arccos(np.clip(c, -1, 1))))",
       "rng = np.random.default_rng(5)\nfor trial in range(20):\n"
       "    a, b = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)\n"
       "    assert abs(candidate(a, b) - reference(a, b)) < 1e-4, trial"),
]

CONTROLLERS = [
    _p("controllers", "def pd_command(error, previous_error, kp, kd, dt):",
       "the command of a PD controller", "def pd_command(error, previous_error, kp, kd, dt):\n"
       "    return kp * error + kd * (error - previous_error) / dt",
       "rng = np.random.default_rng(10)\nfor trial in range(20):\n"
       "    e, p, kp, kd = rng.uniform(-1, 1, 4)\n"
       "    assert np.allclose(candidate(e, p, kp, kd, 0.01), reference(e, p, kp, kd, 0.01))"),
    _p("controllers", "def limit_speed(velocity, max_speed):",
       "the velocity vector scaled down so its norm is at most max_speed (unchanged if slower)",
       "def limit_speed(velocity, max_speed):\n    v = np.asarray(velocity, float)\n"
       "    n = np.linalg.norm(v)\n    return v if n <= max_speed else v * (max_speed / n)",
       "rng = np.random.default_rng(11)\nfor trial in range(20):\n"
       "    v = rng.uniform(-2, 2, 3)\n"
       "    assert np.allclose(candidate(v, 1.0), reference(v, 1.0)), trial"),
    _p("controllers", "def min_jerk(t, duration):",
       "the fraction of the way (0 to 1) a minimum-jerk motion has covered at time t",
       "def min_jerk(t, duration):\n    s = min(max(t / duration, 0.0), 1.0)\n"
       "    return 10 * s ** 3 - 15 * s ** 4 + 6 * s ** 5",
       "for t in np.linspace(-0.5, 2.5, 31):\n"
       "    assert abs(candidate(t, 2.0) - reference(t, 2.0)) < 1e-9, t"),
    _p("controllers", "def trapezoid_speed(t, distance, max_speed, accel):",
       "the speed at time t of a trapezoidal profile covering distance from rest to rest "
       "(triangular when max_speed is never reached)",
       "def trapezoid_speed(t, distance, max_speed, accel):\n"
       "    peak = min(max_speed, math.sqrt(distance * accel))\n"
       "    ramp = peak / accel\n    cruise = (distance - peak * ramp) / peak\n"
       "    total = 2 * ramp + cruise\n    if t <= 0 or t >= total:\n        return 0.0\n"
       "    if t < ramp:\n        return accel * t\n    if t < ramp + cruise:\n        return peak\n"
       "    return accel * (total - t)",
       "for d, v, a in [(1.0, 0.5, 1.0), (0.1, 0.5, 1.0), (2.0, 1.0, 0.5)]:\n"
       "    for t in np.linspace(-0.1, 6, 40):\n"
       "        assert abs(candidate(t, d, v, a) - reference(t, d, v, a)) < 1e-6, (d, t)"),
    _p("controllers", "def wrap_angle(angle):", "the angle in radians wrapped into [-pi, pi)",
       "def wrap_angle(angle):\n    return (angle + math.pi) % (2 * math.pi) - math.pi",
       "for a in np.linspace(-20, 20, 81):\n    assert abs(candidate(a) - reference(a)) < 1e-9, a"),
    _p("controllers", "def smooth(samples, alpha):",
       "exponential moving average of the samples (the first output equals the first sample)",
       "def smooth(samples, alpha):\n    out = [samples[0]]\n    for s in samples[1:]:\n"
       "        out.append(alpha * s + (1 - alpha) * out[-1])\n    return np.array(out)",
       "rng = np.random.default_rng(12)\nfor trial in range(20):\n"
       "    s = rng.uniform(-1, 1, 10)\n"
       "    assert np.allclose(candidate(s, 0.3), reference(s, 0.3)), trial"),
    _p("controllers", "def integrate(start, velocities, dt):",
       "the positions reached from start under each velocity for dt, one row per step",
       "def integrate(start, velocities, dt):\n"
       "    return np.asarray(start) + np.cumsum(np.asarray(velocities) * dt, axis=0)",
       "rng = np.random.default_rng(13)\nfor trial in range(20):\n"
       "    p, v = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, (6, 2))\n"
       "    assert np.allclose(candidate(p, v, 0.1), reference(p, v, 0.1)), trial"),
    _p("controllers", "def p_track(start, target, gain, steps):",
       "positions of x <- x + gain * (target - x) over the steps, starting after the first step",
       "def p_track(start, target, gain, steps):\n    x, out = np.asarray(start, float), []\n"
       "    for _ in range(steps):\n        x = x + gain * (np.asarray(target) - x)\n"
       "        out.append(x)\n    return np.array(out)",
       "rng = np.random.default_rng(14)\nfor trial in range(20):\n"
       "    a, b = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)\n"
       "    assert np.allclose(candidate(a, b, 0.3, 5), reference(a, b, 0.3, 5)), trial"),
    _p("controllers", "def resample_path(pts, step):",
       "points every `step` metres along the polyline through pts, from its start, plus its end",
       "def resample_path(pts, step):\n    line = LineString(pts)\n"
       "    ds = list(np.arange(0, line.length, step)) + [line.length]\n"
       "    return np.array([line.interpolate(d).coords[0] for d in ds])",
       "rng = np.random.default_rng(15)\nfor trial in range(10):\n"
       "    pts = rng.uniform(-0.3, 0.3, (4, 2))\n"
       "    got, want = candidate(pts, 0.05), reference(pts, 0.05)\n"
       "    assert got.shape == want.shape and np.allclose(got, want, atol=1e-6), trial"),
    _p("controllers", "def time_to_reach(distance, max_speed, accel):",
       "the duration of a rest-to-rest trapezoidal (or triangular) motion over distance",
       "def time_to_reach(distance, max_speed, accel):\n"
       "    peak = min(max_speed, math.sqrt(distance * accel))\n"
       "    return 2 * peak / accel + (distance - peak * peak / accel) / peak",
       "for d, v, a in [(1.0, 0.5, 1.0), (0.1, 0.5, 1.0), (2.0, 1.0, 0.5), (0.3, 0.2, 2.0)]:\n"
       "    assert abs(candidate(d, v, a) - reference(d, v, a)) < 1e-6, (d, v, a)"),
]

SHAPELY = [
    _p("shapely", "def polygon_area(pts):", "the area of the polygon with these vertices",
       "def polygon_area(pts):\n    return Polygon(pts).area",
       "rng = np.random.default_rng(20)\nfor trial in range(20):\n"
       "    pts = MultiPoint(rng.uniform(-0.3, 0.3, (6, 2))).convex_hull.exterior.coords[:-1]\n"
       "    assert abs(candidate(pts) - reference(pts)) < 1e-9, trial"),
    _p("shapely", "def inside(point, pts):", "whether the point lies inside the polygon",
       "def inside(point, pts):\n    return Polygon(pts).contains(Point(point))",
       "square = [(0, 0), (1, 0), (1, 1), (0, 1)]\nrng = np.random.default_rng(21)\n"
       "for trial in range(40):\n    p = rng.uniform(-0.5, 1.5, 2)\n"
       "    assert bool(candidate(p, square)) == reference(p, square), trial"),
    _p("shapely", "def distance_to_segment(point, a, b):",
       "the distance from the point to the segment from a to b",
       "def distance_to_segment(point, a, b):\n    return Point(point).distance(LineString([a, b]))",
       "rng = np.random.default_rng(22)\nfor trial in range(20):\n"
       "    p, a, b = rng.uniform(-1, 1, (3, 2))\n"
       "    assert abs(candidate(p, a, b) - reference(p, a, b)) < 1e-9, trial"),
    _p("shapely", "def hull_area(pts):", "the area of the convex hull of the points",
       "def hull_area(pts):\n    return MultiPoint([tuple(p) for p in pts]).convex_hull.area",
       "rng = np.random.default_rng(23)\nfor trial in range(20):\n"
       "    pts = rng.uniform(-0.3, 0.3, (8, 2))\n"
       "    assert abs(candidate(pts) - reference(pts)) < 1e-9, trial"),
    _p("shapely", "def overlap_area(box_a, box_b):",
       "the area shared by two boxes given as (xmin, ymin, xmax, ymax)",
       "def overlap_area(box_a, box_b):\n    return box(*box_a).intersection(box(*box_b)).area",
       "rng = np.random.default_rng(24)\nfor trial in range(30):\n"
       "    a, b = np.sort(rng.uniform(0, 1, (2, 2, 2)), axis=1)\n"
       "    ba, bb = (a[0, 0], a[0, 1], a[1, 0], a[1, 1]), (b[0, 0], b[0, 1], b[1, 0], b[1, 1])\n"
       "    ba = (min(ba[0], ba[2]), min(ba[1], ba[3]), max(ba[0], ba[2]), max(ba[1], ba[3]))\n"
       "    bb = (min(bb[0], bb[2]), min(bb[1], bb[3]), max(bb[0], bb[2]), max(bb[1], bb[3]))\n"
       "    assert abs(candidate(ba, bb) - reference(ba, bb)) < 1e-9, trial"),
    _p("shapely", "def circle_points(center, radius, n):",
       "n points evenly spaced on a circle, counterclockwise from the +x direction",
       "def circle_points(center, radius, n):\n"
       "    a = np.linspace(0, 2 * np.pi, n, endpoint=False)\n"
       "    return np.asarray(center) + radius * np.stack([np.cos(a), np.sin(a)], axis=1)",
       "for n in (3, 5, 8):\n"
       "    assert np.allclose(candidate([0.1, -0.1], 0.2, n), reference([0.1, -0.1], 0.2, n))"),
    _p("shapely", "def scaled_polygon(pts, factor):",
       "the polygon's vertices scaled by factor about its centroid (as an (N, 2) array)",
       "def scaled_polygon(pts, factor):\n    poly = Polygon(pts)\n"
       "    return np.array(scale(poly, factor, factor, origin='centroid').exterior.coords[:-1])",
       "rng = np.random.default_rng(25)\nfor trial in range(10):\n"
       "    pts = MultiPoint(rng.uniform(-0.3, 0.3, (6, 2))).convex_hull.exterior.coords[:-1]\n"
       "    assert np.allclose(candidate(pts, 1.5), reference(pts, 1.5)), trial"),
    _p("shapely", "def segments_cross(a1, a2, b1, b2):",
       "whether segment a1-a2 crosses segment b1-b2",
       "def segments_cross(a1, a2, b1, b2):\n"
       "    return LineString([a1, a2]).intersects(LineString([b1, b2]))",
       "rng = np.random.default_rng(26)\nfor trial in range(40):\n"
       "    a1, a2, b1, b2 = rng.uniform(-1, 1, (4, 2))\n"
       "    assert bool(candidate(a1, a2, b1, b2)) == reference(a1, a2, b1, b2), trial"),
    _p("shapely", "def shrink_area(pts, margin):",
       "the area left of the polygon after moving its boundary inward by margin",
       "def shrink_area(pts, margin):\n    return Polygon(pts).buffer(-margin).area",
       "square = [(0, 0), (1, 0), (1, 1), (0, 1)]\nfor m in (0.0, 0.1, 0.25):\n"
       "    assert abs(candidate(square, m) - reference(square, m)) < 1e-6, m"),
    _p("shapely", "def nearest_on_boundary(point, pts):",
       "the point on the polygon's boundary nearest to the given point",
       "def nearest_on_boundary(point, pts):\n    ring = Polygon(pts).exterior\n"
       "    return np.array(ring.interpolate(ring.project(Point(point))).coords[0])",
       "square = [(0, 0), (1, 0), (1, 1), (0, 1)]\nrng = np.random.default_rng(27)\n"
       "for trial in range(20):\n    p = rng.uniform(-0.5, 1.5, 2)\n"
       "    assert np.allclose(candidate(p, square), reference(p, square), atol=1e-6), trial"),
]


POLICY_API = [
    _p("policy_api", "def block_names():", "the names of the blocks on the table",
       "def block_names():\n    return [n for n in get_obj_names() if 'block' in n]",
       "assert sorted(candidate()) == sorted(reference())"),
    _p("policy_api", "def bowl_names():", "the names of the bowls on the table",
       "def bowl_names():\n    return [n for n in get_obj_names() if 'bowl' in n]",
       "assert sorted(candidate()) == sorted(reference())"),
    _p("policy_api", "def closest_block(point):", "the name of the block nearest to an xy point",
       "def closest_block(point):\n    names = [n for n in get_obj_names() if 'block' in n]\n"
       "    return min(names, key=lambda n: np.linalg.norm(get_obj_pos(n)[:2] - point))",
       "rng = np.random.default_rng(30)\nfor trial in range(20):\n"
       "    p = rng.uniform(-0.25, 0.25, 2)\n    assert candidate(p) == reference(p), trial"),
    _p("policy_api", "def in_bowl(block, bowl):",
       "whether the block's centre lies within the bowl's top-down box",
       "def in_bowl(block, bowl):\n    xmin, ymin, xmax, ymax = get_bbox(bowl)\n"
       "    x, y = get_obj_pos(block)[:2]\n    return xmin < x < xmax and ymin < y < ymax",
       "for b in [n for n in get_obj_names() if 'block' in n]:\n"
       "    for w in [n for n in get_obj_names() if 'bowl' in n]:\n"
       "        assert bool(candidate(b, w)) == reference(b, w), (b, w)"),
    _p("policy_api", "def leftmost_block():", "the name of the block farthest to the left",
       "def leftmost_block():\n    names = [n for n in get_obj_names() if 'block' in n]\n"
       "    return min(names, key=lambda n: get_obj_pos(n)[0])",
       "assert candidate() == reference()"),
    _p("policy_api", "def xy_distance(a, b):",
       "the distance between two objects' centres seen from above",
       "def xy_distance(a, b):\n"
       "    return float(np.linalg.norm(get_obj_pos(a)[:2] - get_obj_pos(b)[:2]))",
       "names = get_obj_names()\nfor a in names:\n    for b in names:\n"
       "        assert abs(candidate(a, b) - reference(a, b)) < 1e-9, (a, b)"),
    _p("policy_api", "def nearest_corner(name):",
       "the name of the table corner nearest to the object",
       "def nearest_corner(name):\n    return get_corner_name(get_obj_pos(name))",
       "for name in get_obj_names():\n    assert candidate(name) == reference(name), name"),
    _p("policy_api", "def objects_of_color(color):",
       "the names of every object of that colour",
       "def objects_of_color(color):\n    return [n for n in get_obj_names() if get_color(n) == color]",
       "for c in ['red', 'blue', 'green', 'yellow', 'pink']:\n"
       "    assert sorted(candidate(c)) == sorted(reference(c)), c"),
    _p("policy_api", "def midpoint(a, b):", "the xy point halfway between two objects",
       "def midpoint(a, b):\n    return (get_obj_pos(a)[:2] + get_obj_pos(b)[:2]) / 2",
       "names = get_obj_names()\nfor a in names:\n    for b in names:\n"
       "        assert np.allclose(candidate(a, b), reference(a, b)), (a, b)"),
    _p("policy_api", "def blocks_by_height():",
       "the names of the blocks from the highest to the lowest",
       "def blocks_by_height():\n    names = [n for n in get_obj_names() if 'block' in n]\n"
       "    return sorted(names, key=lambda n: -get_obj_pos(n)[2])",
       "heights = [get_obj_pos(n)[2] for n in candidate()]\n"
       "assert heights == sorted(heights, reverse=True) and len(heights) == len(reference())"),
]

PROBLEMS = NUMPY + CONTROLLERS + SHAPELY + POLICY_API
CATEGORIES = ("numpy", "controllers", "shapely", "policy_api")
