"""Layering of services/ (see services/__init__.py): no import cycle between packages, the CLI layer
on top, and production code never importing the demo package.

Imports are read with ast from every module, including imports inside functions (lazy imports
count: they are dependencies all the same) and ``importlib.import_module("services...")`` calls.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "services"
CLI_LAYER = "cli"  # services/cli.py, cli_support.py, every <package>/*commands.py and what COMMAND_MODULES lists
DEMO_MODULE = re.compile(r"services\.demo(\.\w+)*")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, wherever it sits."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against this module's package
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # "from services import derived" imports the module services.derived
                yield node.lineno, f"{base}.{alias.name}"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value


def _command_modules() -> set[str]:
    """The string entries of services/cli.py's COMMAND_MODULES (the registry may name the demo commands)."""
    tree = ast.parse((SERVICES / "cli.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMMAND_MODULES"
                                                for t in node.targets):
            assert isinstance(node.value, ast.List)
            return {e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    raise AssertionError("services/cli.py has no COMMAND_MODULES list")


COMMANDS = _command_modules()


def layer_of(module: str) -> str | None:
    """The graph node of a services module: its package, its own name (top-level module) or the CLI layer."""
    parts = module.split(".")
    if parts[0] != "services" or len(parts) < 2:
        return None
    if (parts[1] in ("cli", "cli_support") or (len(parts) > 2 and parts[2].endswith("commands"))
            or any(module == c or module.startswith(c + ".") for c in COMMANDS)):
        return CLI_LAYER
    if (SERVICES / parts[1]).is_dir() or (SERVICES / f"{parts[1]}.py").is_file():
        return parts[1]
    return None  # a name imported from a module ("from services.clock import Clock"), not a module


def service_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    edges: dict[str, set[str]] = {}
    where: dict[tuple[str, str], list[str]] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        if path == SERVICES / "__init__.py":
            continue  # the package docstring and version
        src = layer_of(module_name(path))
        assert src is not None, path
        for line, name in imports_of(path):
            dst = layer_of(name)
            if dst is None or dst == src:
                continue
            edges.setdefault(src, set()).add(dst)
            seen = where.setdefault((src, dst), [])
            at = f"{path.relative_to(ROOT)}:{line}"
            if not any(w.startswith(at + " ") for w in seen):  # one line per import statement
                seen.append(f"{at} imports {name}")
    return edges, where


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


def test_layer_of_modules_and_names():
    assert layer_of("services.calendar.holidays") == "calendar"
    assert layer_of("services.derived") == "derived"
    assert layer_of("services.reports.commands") == CLI_LAYER
    assert layer_of("services.reports.notice_commands") == CLI_LAYER
    assert layer_of("services.cli_support") == CLI_LAYER
    assert layer_of("services.clock.Clock") == "clock"  # "from services.clock import Clock"
    assert layer_of("services.Nothing") is None
    assert layer_of("sqlalchemy.orm") is None


def test_no_import_cycle_between_service_packages():
    edges, where = service_graph()
    assert {"calendar", "letters", "reconcile"} <= set(edges)  # the graph is really read
    report = []
    for comp in cycles(edges):
        report.append(" <-> ".join(comp))
        for a in comp:
            for b in sorted(edges[a] & set(comp)):
                report += [f"    {line}" for line in where[(a, b)]]
    assert report == [], "import cycle between service packages:\n" + "\n".join(report)


def test_domain_packages_do_not_import_the_cli_layer():
    edges, where = service_graph()
    offenders = [line for src, dsts in edges.items() if src != CLI_LAYER and CLI_LAYER in dsts
                 for line in where[(src, CLI_LAYER)]]
    assert offenders == []


def _production_files() -> Iterator[Path]:
    for top in ("services", "desktop", "installers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.is_relative_to(SERVICES / "demo"):
                continue
            yield path


def test_production_code_never_imports_the_demo_package():
    registry = COMMANDS
    assert "services.demo.build" in registry  # the `demo` command
    offenders = []
    for path in _production_files():
        for line, name in imports_of(path):
            if DEMO_MODULE.fullmatch(name):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and DEMO_MODULE.fullmatch(node.value):
                if not (path == SERVICES / "cli.py" and node.value in registry):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}")
    assert offenders == []


def test_calendar_and_letters_reach_reconcile_only_through_the_port():
    """At run time too: importing calendar and letters loads no reconcile module, and their edits fail
    loudly (instead of leaving stale day records) until services.reconcile installs the upkeep."""
    code = """
import sys
import services.calendar.holidays, services.calendar.schedules, services.letters.register
from services import derived
assert not [m for m in sys.modules if m.startswith("services.reconcile")], sorted(sys.modules)
try:
    derived.upkeep()
except RuntimeError as exc:
    print("refused:", exc)
else:
    raise SystemExit("upkeep available before services.reconcile was imported")
import services.reconcile
from services.reconcile import scope
assert derived.upkeep() is scope.UPKEEP
print("installed")
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "refused: services.reconcile belum dimuat" in out.stdout and out.stdout.rstrip().endswith("installed")
