"""The headless CLI starts light: building the parser imports no heavy library and no engine operation code.

Speed itself is measured by ``tests/bench/bench_cli.py`` (never a timed assertion); this checks the cause.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

HEAVY = ("pandas", "numpy", "pyarrow", "mlflow", "dask", "distributed", "openai", "asyncssh", "textual",
         "pydantic", "nbformat", "psutil", "asyncio")
PROBE = f"""
import json, sys
{{setup}}
heavy = sorted({{m.split('.')[0] for m in sys.modules if m.split('.')[0] in {HEAVY!r}}})
engine = sorted(m for m in sys.modules if m.startswith('engine.') and not m.startswith('engine.cli'))
print(json.dumps({{"heavy": heavy, "engine": engine}}))
"""


def _probe(setup: str, home: Path) -> dict:
    env = {"AGILAB_TUI_HOME": str(home), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", PROBE.replace("{setup}", setup)], capture_output=True, text=True,
                         cwd=REPO, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_building_the_parser_imports_nothing_heavy(isolated_home: Path):
    loaded = _probe("from engine.cli import build_parser; build_parser()", isolated_home)
    assert loaded["heavy"] == []
    assert "engine.facade" not in loaded["engine"] and "engine.operation" not in loaded["engine"]


def test_apps_json_imports_nothing_heavy(isolated_home: Path):
    setup = ("import contextlib, io\nfrom engine.cli import main\nbuf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf): main(['apps', '--json'])\nassert json.loads(buf.getvalue())")
    loaded = _probe(setup, isolated_home)
    assert loaded["heavy"] == []
    assert "engine.facade" not in loaded["engine"]


def test_agilab_app_status_follows_agilab_worker_env(tmp_path: Path, isolated_home: Path, monkeypatch):
    """The light status used by ``apps`` answers for AGILab-backed apps from AGILab's ``~/wenv`` (HOME moved)."""
    from engine.facade import Engine
    from engine.install_state import app_install_status
    from engine.workspace import AppProject, Workspace

    monkeypatch.setenv("HOME", str(tmp_path))  # AGILab's own paths are read under HOME at call time
    project = tmp_path / "apps" / "flight_telemetry_project"
    project.mkdir(parents=True)
    app = AppProject("agilab:flight_telemetry_project", project, True, backend="agilab")
    workspace = Workspace(isolated_home)
    before = app_install_status(workspace, app)
    assert not before.installed and "AGI.install" in before.reason
    python = tmp_path / "wenv" / f"{app.target}_worker" / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    after = app_install_status(workspace, app)
    assert after.installed and not after.cython
    assert "cython" in app_install_status(workspace, app, mode=2).reason
    (python.parents[2] / f"{app.target}_cy.cpython-311-x86_64-linux-gnu.so").write_text("")
    assert app_install_status(workspace, app, mode=2) == Engine(workspace).install_status(app, 2)
    assert app_install_status(workspace, app, mode=2).cython


def test_one_command_parser_registers_only_up_to_its_group(isolated_home: Path):
    """``apps`` needs only the first group; an unknown command or ``-h`` still gets every subcommand."""
    probe = ("from engine.cli import build_parser\n"
             "p = build_parser(['--home', '/x', 'apps', '--json'])\n"
             "assert p.parse_args(['--home', '/x', 'apps', '--json']).json\n"
             "full = build_parser(['--bogus'])\n"
             "names = lambda q: set(next(a for a in q._actions if a.__class__.__name__ == '_SubParsersAction').choices)\n"
             "assert 'apps' in names(p) and 'runs' not in names(p), names(p)\n"
             "assert {'apps', 'runs', 'agilab', 'serve'} <= names(full) == names(build_parser(['nope']))\n"
             "assert 'runs' in names(build_parser(['runs', 'list', 'x']))")
    loaded = _probe(probe, isolated_home)
    assert loaded["heavy"] == []


def test_top_level_help_imports_nothing_heavy(isolated_home: Path):
    """``agilab-tui --help`` lists every subcommand from the full CLI parser, still without the engine."""
    setup = ("import contextlib, io\nfrom tui.__main__ import main\nbuf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf): main(['--help'])\nassert 'runs' in buf.getvalue()")
    loaded = _probe(setup, isolated_home)
    assert loaded["heavy"] == []
    assert "engine.facade" not in loaded["engine"]
