"""Cartesian straight-line paths turned into timed joint trajectories, checked on the way."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from robots.kinematics import Kinematics, tool_quaternion
from robots.safety import MotionFilter

STEP = 0.02  # metres between IK waypoints on a straight line


@dataclass(frozen=True)
class JointTrajectory:
    """Arm joint positions (N, dof) to reach at times (N,) seconds from the start."""

    times: np.ndarray
    positions: np.ndarray

    @property
    def duration(self) -> float:
        return float(self.times[-1]) if len(self.times) else 0.0

    def sample(self, t: float) -> np.ndarray:
        """Linearly interpolated joint positions at time t (held at the ends)."""
        i = int(np.searchsorted(self.times, t))
        if i == 0:
            return self.positions[0]
        if i >= len(self.times):
            return self.positions[-1]
        w = (t - self.times[i - 1]) / (self.times[i] - self.times[i - 1])
        return self.positions[i - 1] + w * (self.positions[i] - self.positions[i - 1])


def plan_cartesian(kin: Kinematics, safety: MotionFilter, q_start, start_xyz, targets,
                   yaw: float, speed: float | None) -> JointTrajectory:
    """Check and plan straight lines through `targets` from the current tool position.

    Raises a MotionError (nothing has moved) when any waypoint is outside the box, unreachable,
    beyond a joint limit or in collision.
    """
    speed = safety.check_speed(speed)
    safety.check_path_length(len(targets))
    points = [np.asarray(start_xyz, dtype=float)]
    points += [safety.check_target(t) for t in targets]
    quaternion = tool_quaternion(yaw)
    q = np.asarray(q_start, dtype=float)
    times, positions, t = [0.0], [q], 0.0
    for a, b in zip(points[:-1], points[1:]):
        steps = max(1, int(np.ceil(np.linalg.norm(b - a) / STEP)))
        for i in range(1, steps + 1):
            q_next = kin.ik(a + (b - a) * i / steps, quaternion, q)
            safety.check_configuration(q_next)
            t += _segment_time(q, q_next, np.linalg.norm(b - a) / steps / speed, safety)
            times.append(t)
            positions.append(q_next)
            q = q_next
    return JointTrajectory(np.array(times), np.array(positions))


def plan_joint_move(kin: Kinematics, safety: MotionFilter, q_start, q_goal,
                    step: float = 0.05) -> JointTrajectory:
    """A straight line in joint space, every intermediate configuration checked."""
    q_start, q_goal = np.asarray(q_start, dtype=float), np.asarray(q_goal, dtype=float)
    count = max(1, int(np.ceil(np.max(np.abs(q_goal - q_start)) / step)))
    times, positions, t, q = [0.0], [q_start], 0.0, q_start
    for i in range(1, count + 1):
        q_next = q_start + (q_goal - q_start) * i / count
        safety.check_configuration(q_next)
        t += _segment_time(q, q_next, 0.0, safety)
        times.append(t)
        positions.append(q_next)
        q = q_next
    return JointTrajectory(np.array(times), np.array(positions))


def _segment_time(q_a, q_b, tool_time: float, safety: MotionFilter) -> float:
    """Time for one waypoint step: the tool speed, slowed so no joint exceeds its limit."""
    joint_time = np.max(np.abs(q_b - q_a) / safety.joint_speed_limits())
    return float(max(tool_time, joint_time, 1e-3))
