"""Defect 1: an acknowledged settings write is never lost, even with two writers at once (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import tomlkit
from rel_helpers import REPO

from engine.settings import seed_settings
from engine.workspace import Workspace

WRITES = 300
CLI_WRITES = 200  # each goes through argparse and the whole command: slower than the bare API

# Each writer does what a careful client does: load, edit, save, and on FileChangedError reload and redo
# the edit. Every save that returned is an acknowledged write and must survive the other writer.
_API_WRITER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from engine.errors import FileChangedError
    from engine.settings import AppSettings
    path, who, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    acked, conflicts = [], 0
    for i in range(count):
        key = f"{who}_{i}"
        while True:
            settings = AppSettings.load(path)
            settings._table("stress")[key] = i
            try:
                settings.save()
            except FileChangedError:
                conflicts += 1
                continue
            acked.append(key)
            break
    print(json.dumps({"acked": acked, "conflicts": conflicts}))
""")

# The same through the CLI code (``settings set``), in-process so hundreds of writes stay fast.
_CLI_WRITER = textwrap.dedent("""
    import contextlib, io, json, sys
    from engine.cli import main
    app, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    acked, failed = [], []
    for i in range(count):
        key = f"{who}_{i}"
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(["settings", "set", app, f"stress.{key}={i}", "--json"])
        (acked if rc == 0 else failed).append(key)
    print(json.dumps({"acked": acked, "failed": failed}))
""")


def _writers(script: str, target: str, home: Path, count: int) -> list[dict]:
    env = {**os.environ, "AGILAB_TUI_HOME": str(home), "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", script, target, who, str(count)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("a", "b")]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _seeded_settings(home: Path) -> Path:
    workspace = Workspace(home)
    return seed_settings(workspace, workspace.app("minimal_app"))


def test_two_api_writers_lose_no_acknowledged_write(isolated_home: Path):
    path = _seeded_settings(isolated_home)
    results = _writers(_API_WRITER, str(path), isolated_home, WRITES)
    stored = tomlkit.parse(path.read_text("utf-8")).get("stress", {})
    acked = [key for result in results for key in result["acked"]]
    missing = [key for key in acked if key not in stored]
    print(f"api writers: {len(acked)} acknowledged, {sum(r['conflicts'] for r in results)} conflicts retried, "
          f"{len(missing)} missing")
    assert len(acked) == 2 * WRITES
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    # Sections the writers never touched survive every round trip.
    assert "cluster" in tomlkit.parse(path.read_text("utf-8"))


def test_two_cli_writers_lose_no_acknowledged_write(isolated_home: Path):
    path = _seeded_settings(isolated_home)
    results = _writers(_CLI_WRITER, "minimal_app", isolated_home, CLI_WRITES)
    stored = tomlkit.parse(path.read_text("utf-8")).get("stress", {})
    acked = [key for result in results for key in result["acked"]]
    missing = [key for key in acked if key not in stored]
    print(f"cli writers: {len(acked)} acknowledged, {sum(len(r['failed']) for r in results)} refused, "
          f"{len(missing)} missing")
    assert len(acked) >= CLI_WRITES  # conflicts are retried, so nearly all succeed
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
