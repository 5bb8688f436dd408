"""The layering rules of docs/architecture.md, checked on the source: no import cycles, no
upward imports, PyBullet only inside sim/ and robots/, nothing imports the CLI."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cap", "robots", "perception", "sim")
LOWER = ("robots", "perception", "sim")


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(path: Path, known: set[str]) -> set[str]:
    """Project modules a file imports, anywhere in it (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in known}
    return found


GRAPH = {name: imports(path, set(modules())) for name, path in modules().items()}


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycles = []

    def visit(module, trail):
        state[module] = 1
        for target in GRAPH[module]:
            if target == module or target.startswith(module + "."):
                continue  # a package importing its own submodules is not a cycle
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles}"


def test_lower_layers_never_import_cap():
    upward = {m: sorted(t for t in targets if t.split(".")[0] == "cap")
              for m, targets in GRAPH.items() if m.split(".")[0] in LOWER}
    assert not {m: t for m, t in upward.items() if t}


def test_pybullet_only_in_sim_and_robots():
    leaks = [name for name, path in modules().items()
             if name.split(".")[0] not in ("sim", "robots")
             and ("pybullet" in path.read_text() or "physicsClientId" in path.read_text())]
    assert not leaks


def test_nothing_imports_the_cli():
    importers = [m for m, targets in GRAPH.items() if "cap.cli" in targets and m != "cap.__main__"]
    assert not importers
