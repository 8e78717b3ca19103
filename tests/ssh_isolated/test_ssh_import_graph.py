"""The SSH layer has no import cycle: every module's imports, lazy ones and TYPE_CHECKING ones included."""

from __future__ import annotations

import ast
from pathlib import Path

SSH = Path(__file__).resolve().parents[2] / "engine" / "ssh"


def local_imports(path: Path) -> set[str]:
    """Sibling modules of ``engine/ssh`` that ``path`` imports anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found - {"__init__"}


def test_no_module_of_engine_ssh_imports_one_that_imports_it_back():
    graph = {p.stem: local_imports(p) for p in SSH.glob("*.py") if p.stem != "__init__"}
    assert "connection" in graph and "remote_process" in graph

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(m for m in graph if reaches(m, m, {m}))
    assert not cycles, f"import cycle through {cycles}: {graph}"
