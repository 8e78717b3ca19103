"""The TUI has no import cycle: every module's imports of other ``tui`` modules, lazy and TYPE_CHECKING ones included."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tui_imports(path: Path, modules: set[str]) -> set[str]:
    """The ``tui`` modules that ``path`` imports anywhere in its body (packages count only for their own code)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tui"):
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.startswith("tui")]
        for name in names:
            if name in modules:
                found.add(name)
                break
    return found - {module_name(path)}


def import_graph() -> dict[str, set[str]]:
    paths = sorted((REPO / "tui").rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): tui_imports(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[str]:
    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    return sorted(m for m in graph if reaches(m, m, {m}))


def test_the_graph_sees_the_imports_it_must_see():
    graph = import_graph()
    assert "tui.orchestrate.handlers" in graph["tui.orchestrate.screen"]
    assert "tui.workflow.runs" in graph["tui.workflow.stages"]
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == ["a", "b"]


def test_no_tui_module_imports_one_that_imports_it_back():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycle through " + ", ".join(f"{m} -> {sorted(graph[m])}" for m in found)
