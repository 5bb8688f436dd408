"""What policy code's scope reaches, static policy aside: no module, no pointer, no importer
that hands back a module, and API functions whose globals hold nothing."""
import collections
import functools
import sys
import types
import typing
import warnings

import numpy
import pytest
import shapely.geometry

from cap import policy
from cap.errors import ExecutionError
from cap.executor import Namespace, run
from cap.sandbox.protocol import encode_signature
from cap.sandbox.worker import WorkerLoop

# functions from these reach files, processes, the interpreter or raw memory
DOOR_MODULES = {"os", "posix", "sys", "subprocess", "io", "_io", "shutil", "socket", "_socket",
                "importlib", "pickle", "marshal", "pathlib", "tempfile", "ctypes", "_ctypes",
                "_cffi_backend", "cffi", "mmap", "threading", "_thread"}
# objects of these are pointers, open files or sockets
HANDLE_MODULES = {"ctypes", "_ctypes", "_cffi_backend", "cffi", "io", "_io", "socket", "_socket",
                  "mmap"}
BUFFER_ARRAYS = (numpy.ndarray, numpy.recarray, numpy.memmap, numpy.char.chararray)


def door(value: object) -> str | None:
    """Why a value reached by policy code would open a way out, or None."""
    kind = type(value)
    if isinstance(value, types.ModuleType):
        return "a module"
    if isinstance(value, (types.FrameType, types.CodeType, types.TracebackType, memoryview)):
        return kind.__name__
    if kind.__name__ == "PyCapsule" or kind.__module__.split(".")[0] in HANDLE_MODULES:
        return f"a {kind.__module__}.{kind.__name__} (a pointer or a handle)"
    if isinstance(value, (types.BuiltinFunctionType, types.FunctionType)):
        module = getattr(value, "__module__", None) or ""
        if module.split(".")[0] in DOOR_MODULES or (
                module == "builtins" and value.__name__ in policy.UNAVAILABLE):
            return f"{module}.{value.__name__}"
    if value is type or value is object or any(value is array for array in BUFFER_ARRAYS):
        return f"the class {value.__name__} (builds objects or arrays over raw memory)"
    return None


def instances() -> dict[str, object]:
    """Objects programs make with what they are given (the scope holds only their makers)."""
    rng = numpy.random.default_rng(0)
    box = shapely.geometry.box(0, 0, 1, 1)
    return {
        "array": numpy.zeros((2, 3)), "object array": numpy.array([1], dtype=object),
        "dtype": numpy.zeros(3).dtype, "float64": numpy.float64(1), "bool_": numpy.bool_(True),
        "rng": rng, "finfo": numpy.finfo(float), "iinfo": numpy.iinfo(int),
        "errstate": numpy.errstate(), "flat": numpy.zeros(3).flat, "flags": numpy.zeros(3).flags,
        "svd": numpy.linalg.svd(numpy.eye(2)), "unique": numpy.unique([1], return_counts=True),
        "point": shapely.geometry.Point(0, 0), "box": box, "ring": box.exterior,
        "coords": box.exterior.coords, "line": shapely.geometry.LineString([(0, 0), (1, 1)]),
        "counter": collections.Counter(), "deque": collections.deque(),
        "defaultdict": collections.defaultdict(list), "chainmap": collections.ChainMap(),
        "partial": functools.partial(print), "cached": functools.lru_cache(lambda: 0),
        "typevar": typing.TypeVar("T"), "error": ValueError("x"), "lambda": lambda: 0,
        "generator": (i for i in []), "values": [1, "s", b"b", 1.5, 1j, (), {}, set(), range(3)],
    }


@pytest.mark.slow
def test_nothing_reachable_by_allowed_names_opens_a_way_out():
    """Walks every attribute name the static policy allows, four deep, from the scope and from
    the objects programs make: none reaches a module, a pointer, a frame or a raw-memory maker."""
    namespace = Namespace({})
    frontier = [(name, value) for name, value in namespace.scope.items() if name != "__builtins__"]
    frontier += list(namespace.scope["__builtins__"].items()) + list(instances().items())
    seen: set[int] = set()
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            frontier = [step for path, value in frontier
                        for step in _walk(path, value, seen, found)]
    assert not found, found
    assert len(seen) > 5000  # the walk covered the libraries, not a handful of names


def _walk(path: str, value: object, seen: set[int], found: list) -> list[tuple[str, object]]:
    if id(value) in seen:
        return []
    seen.add(id(value))
    if door(value):
        found.append((path, door(value)))
        return []
    steps = []
    for name in _names(value):
        if policy._check_attribute(_attribute(name), set()) is None:
            try:
                steps.append((f"{path}.{name}", getattr(value, name)))
            except Exception:  # noqa: BLE001 -- a property that needs a state it lacks
                continue
    return steps + ([(f"{path}[]", item) for item in value] if isinstance(value, (list, tuple))
                    else [])


def _names(value: object) -> list[str]:
    try:
        return dir(value)
    except Exception:  # noqa: BLE001
        return []


def _attribute(name: str):
    import ast
    return ast.Attribute(ast.Name("x", ast.Load()), name, ast.Load())


def test_the_api_functions_globals_hold_nothing():
    api = {"say": encode_signature(lambda message: None)}
    say = WorkerLoop(None, api).api["say"]
    assert say.__globals__ == {"__builtins__": {}}
    assert say.__name__ == say.__qualname__ == "say"


def test_the_scope_importer_hands_back_no_module():
    importer = Namespace({}).scope["__builtins__"]["__import__"]
    assert importer("os") is None and importer("numpy.linalg") is None
    with pytest.raises(ImportError, match="policy code cannot import 'tabnanny'"):
        importer("tabnanny")
    assert "tabnanny" not in sys.modules


def test_np_ndarray_answers_isinstance_and_takes_no_buffer():
    namespace = Namespace({})
    run("a = np.zeros(2)\nchecks = [isinstance(a, np.ndarray), isinstance([1], np.ndarray),\n"
        "          isinstance(a, (np.ndarray, list)), np.ndarray((2, 3)).shape]", namespace)
    assert namespace.scope["checks"] == [True, False, True, (2, 3)]
    with pytest.raises(ExecutionError, match="takes no buffer"):
        run("a = np.ndarray((1,), dtype='O', buffer=bytes(8))", namespace)
