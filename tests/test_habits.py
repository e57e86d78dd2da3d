"""The code habits the project keeps.

Layering without cycles, small files and functions, imports at the top, and the configured
ruff rules.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from vsim.layers import LAYERS, layer_of

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "vsim"
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
# A longer function is allowed only for a kernel whose docstring says why it is one function.
WHY_ONE_FUNCTION = "Why one function:"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _runtime_nodes(tree: ast.Module):
    """Every node except those under ``if TYPE_CHECKING:`` (not imported at run time)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            skip.update(id(n) for n in ast.walk(node))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def vsim_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The vsim modules a module imports at run time.

    ``from vsim import x`` counts as vsim.x when x is a module.
    """
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "vsim"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([node.module] if node.module else []))
            if base.split(".")[0] != "vsim":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    out.discard(name)
    return out


def test_every_module_is_in_a_layer_and_imports_nothing_above_it():
    known = modules()
    problems = []
    for name, path in known.items():
        mine = layer_of(name)
        for imported in sorted(vsim_imports(name, path, set(known))):
            theirs = layer_of(imported)
            if theirs > mine:
                problems.append(f"{name} ({LAYERS[mine][0]}) imports {imported} "
                                f"({LAYERS[theirs][0]})")
    assert not problems, "\n".join(problems)


def test_there_are_no_import_cycles():
    known = modules()
    graph = {name: vsim_imports(name, path, set(known)) & set(known)
             for name, path in known.items()}
    # a package imports its own submodules; a submodule importing its package is not a cycle
    # in the sense that matters (the package's __init__ runs first either way)
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend(trail[trail.index(nxt):] + [nxt] if nxt in trail else [nxt])
                return True
            if nxt not in state and visit(nxt, trail + [nxt]):
                return True
        state[node] = 2
        return False

    for start in sorted(graph):
        if start not in state and visit(start, [start]):
            break
    assert not cycle, " -> ".join(cycle)


def test_the_schema_imports_no_compiled_model():
    code = ("import sys, vsim.scenario, vsim.loading, vsim.experiment, vsim.interventions; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numba' "
            "or m in ('vsim.model', 'vsim.state', 'vsim.rng')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_no_source_file_is_over_500_lines():
    long = {str(p.relative_to(REPO)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES}
    assert not long, long


def test_no_function_is_over_60_lines_unless_a_kernel_says_why():
    long = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                explained = WHY_ONE_FUNCTION in (ast.get_docstring(node) or "")
                if n > MAX_FUNCTION_LINES and not explained:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({n})")
    assert not long, long


def test_imports_inside_functions_say_why():
    """A deferred import is for a heavy dependency, with a '# deferred: why' comment."""
    silent = []
    for path in SRC.rglob("*.py"):
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    near = " ".join(lines[max(0, node.lineno - 3): node.end_lineno])
                    if "# deferred" not in near:
                        silent.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not silent, silent


def test_ruff_passes_with_the_configured_rules():
    """Ruff is in the test extra, so it is always there (pip install '.[test]')."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    out = subprocess.run([ruff, "check", "src", "tests", "experiments"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:]
