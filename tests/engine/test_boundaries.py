"""The core runs without the TUI: engine and workers never load Textual; workers never import engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, pkgutil, sys, json
import engine, workers
for pkg in (engine, workers):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        if info.name.endswith('__main__'):
            continue
        importlib.import_module(info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'tui', 'rich'})))
"""


def test_importing_every_engine_and_workers_module_never_loads_textual():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_workers_package_alone_does_not_import_engine():
    probe = ("import importlib, pkgutil, sys, workers\n"
             "for i in pkgutil.walk_packages(workers.__path__, 'workers.'):\n"
             "    importlib.import_module(i.name)\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in {'engine','tui','textual'}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_source_file_in_workers_names_engine_or_tui():
    offenders = []
    for path in (REPO / "workers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"engine", "tui", "textual"}]
    assert offenders == []
