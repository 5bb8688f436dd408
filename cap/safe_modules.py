"""The library surfaces programs may use: allowlisted names of numpy, math, shapely and a few
pure standard modules (random, itertools, collections, functools, typing). Nothing here reads
files, starts processes, builds classes from strings, evaluates text or gives memory addresses
(pointer-giving attributes are refused by `cap.policy`; `ndarray` takes no buffer)."""
from __future__ import annotations

import collections
import functools
import itertools
import math
import random
import types
import typing

import numpy
import shapely
import shapely.affinity
import shapely.geometry
import shapely.ops

NUMPY_NAMES = """
abs absolute add all allclose amax amin any append arange arccos arcsin arctan arctan2 argmax
argmin argsort around array array_equal asarray atleast_1d atleast_2d average bool_ ceil clip
column_stack concatenate copy cos cross cumsum deg2rad degrees delete diag diff digitize divide
dot dstack e empty exp expand_dims eye flip fliplr flipud float32 float64 floor full full_like
hstack hypot identity inf int32 int64 interp isclose isfinite isin isnan linspace log log10 log2
logical_and logical_not logical_or matmul max maximum mean median meshgrid min minimum mod
multiply nan nanmax nanmean nanmin ndarray newaxis nonzero ones ones_like outer percentile pi
polyfit polyval power prod ptp rad2deg radians ravel repeat reshape roll rot90 round sign sin
sort sqrt square squeeze stack std subtract sum swapaxes take tan tile trace transpose tril
triu unique unravel_index vstack where zeros zeros_like r_ c_ integer floating number
signedinteger unsignedinteger uint8 uint16 uint32 uint64 int8 int16 float16 complex128
argwhere count_nonzero cumprod flatnonzero histogram inner isinf isscalar logical_xor nanargmax
nanargmin nansum nanstd nanmedian pad searchsorted split array_split tanh sinh cosh arctanh
arcsinh arccosh apply_along_axis broadcast_to convolve cov corrcoef gradient ndim shape size
signbit trunc fix floor_divide remainder fmod reciprocal negative positive cbrt exp2 expm1
log1p nan_to_num atleast_3d empty_like geomspace logspace mgrid ogrid indices select choose
diagonal kron tensordot einsum vdot array_equiv real imag angle unwrap sinc finfo iinfo
errstate lexsort partition argpartition bincount ediff1d intersect1d union1d setdiff1d in1d
resize moveaxis rollaxis delete insert fabs rint spacing nextafter copysign ldexp frexp
""".split()
LINALG_NAMES = "det eig eigh inv lstsq norm pinv qr solve svd".split()
RANDOM_NAMES = ("choice default_rng normal permutation rand randint randn random seed shuffle "
                "uniform").split()
MATH_NAMES = [n for n in dir(math) if not n.startswith("_")]
GEOMETRY_NAMES = ("Point LineString Polygon MultiPoint MultiLineString MultiPolygon LinearRing "
                  "GeometryCollection box").split()
AFFINITY_NAMES = "affine_transform rotate scale skew translate".split()
OPS_NAMES = "nearest_points unary_union".split()
RANDOM_MODULE_NAMES = ("random uniform randint randrange choice choices sample shuffle seed gauss "
                       "normalvariate triangular betavariate expovariate").split()
ITERTOOLS_NAMES = [n for n in dir(itertools) if not n.startswith("_")]
COLLECTIONS_NAMES = "Counter defaultdict deque OrderedDict ChainMap".split()  # no namedtuple
FUNCTOOLS_NAMES = "reduce partial lru_cache cache cmp_to_key".split()
TYPING_NAMES = ("Any List Dict Tuple Set FrozenSet Optional Union Sequence Iterable Iterator "
                "Callable Mapping MutableMapping MutableSequence Literal Final TypeVar cast "
                "TYPE_CHECKING").split()  # no get_type_hints, ForwardRef or class builders
ALLOWED_MODULES = frozenset("""
numpy numpy.linalg numpy.random math shapely shapely.geometry shapely.affinity shapely.ops
random itertools collections functools typing
""".split())


class _ArrayType(type):
    """isinstance and issubclass against `ndarray` below answer as for numpy's ndarray, and its
    public attributes (unbound methods) are numpy's."""

    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, numpy.ndarray)

    def __subclasscheck__(cls, other: type) -> bool:
        return issubclass(other, numpy.ndarray)

    def __getattr__(cls, name: str):
        return getattr(numpy.ndarray, name)


class ndarray(metaclass=_ArrayType):
    """np.ndarray for policy code. Its constructor takes a shape, a dtype and an order, never a
    buffer: an object array over bytes would turn any number into an object address."""

    def __new__(cls, shape, dtype=float, *buffer, order="C", **options) -> numpy.ndarray:
        if buffer or options:
            raise TypeError("np.ndarray(shape, dtype, order=...) takes no buffer, offset or "
                            "strides in policy code; use np.array or np.zeros")
        return numpy.ndarray(shape, dtype, order=order)


def _surface(name: str, source, names) -> types.SimpleNamespace:
    surface = types.SimpleNamespace(**{n: getattr(source, n) for n in names if hasattr(source, n)})
    surface.__name__ = name
    return surface


def numpy_surface() -> types.SimpleNamespace:
    np = _surface("numpy", numpy, NUMPY_NAMES)
    np.ndarray = ndarray
    np.linalg = _surface("numpy.linalg", numpy.linalg, LINALG_NAMES)
    np.random = _surface("numpy.random", numpy.random, RANDOM_NAMES)
    return np


def module_surfaces() -> dict[str, types.SimpleNamespace]:
    """What `import X` gives a program, by module name."""
    np = numpy_surface()
    geometry = _surface("shapely.geometry", shapely.geometry, GEOMETRY_NAMES)
    affinity = _surface("shapely.affinity", shapely.affinity, AFFINITY_NAMES)
    ops = _surface("shapely.ops", shapely.ops, OPS_NAMES)
    top = _surface("shapely", shapely, GEOMETRY_NAMES)
    top.geometry, top.affinity, top.ops = geometry, affinity, ops
    return {
        "numpy": np, "numpy.linalg": np.linalg, "numpy.random": np.random,
        "math": _surface("math", math, MATH_NAMES),
        "shapely": top, "shapely.geometry": geometry, "shapely.affinity": affinity,
        "shapely.ops": ops,
        "random": _surface("random", random, RANDOM_MODULE_NAMES),
        "itertools": _surface("itertools", itertools, ITERTOOLS_NAMES),
        "collections": _surface("collections", collections, COLLECTIONS_NAMES),
        "functools": _surface("functools", functools, FUNCTOOLS_NAMES),
        "typing": _surface("typing", typing, TYPING_NAMES),
    }


@functools.lru_cache(maxsize=None)
def surface_names(module: str) -> frozenset[str]:
    """The names `from MODULE import NAME` may take."""
    return frozenset(n for n in vars(module_surfaces()[module]) if not n.startswith("_"))


def library_names(surfaces: dict[str, types.SimpleNamespace]) -> dict[str, object]:
    """Names in scope without an import: np, math and the shapely geometry/affinity names."""
    names: dict[str, object] = {"np": surfaces["numpy"], "math": surfaces["math"]}
    for module in ("shapely.geometry", "shapely.affinity"):
        names.update({k: v for k, v in vars(surfaces[module]).items() if not k.startswith("_")})
    return names
