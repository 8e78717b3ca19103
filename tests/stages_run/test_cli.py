"""The ``stages run / export-notebook / import-notebook`` commands, run as real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.atomic import content_digest
from engine.stages_run import read_stages

from .helpers import raw_stage

REPO = Path(__file__).resolve().parents[2]


def _cli(workspace, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "engine.cli.stages_exec", "--home", str(workspace.root), *args]
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_run_by_app_name_prints_json_and_exits_zero(workspace, make_lab):
    lab = make_lab([raw_stage("import pandas as pd\ndf = pd.DataFrame({'v': [5]})\nprint('hello')\n")])

    done = _cli(workspace, "run", "demo", "--no-track", "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is True and result["dataframe"] == str(lab.dataframe_file)
    assert result["stages"][0]["status"] == "completed"
    assert "hello" in done.stderr  # with --json the stage log goes to stderr


def test_failing_stage_exits_non_zero_with_the_error(workspace, make_lab):
    lab = make_lab([raw_stage("print('fine')\n"), raw_stage("import missing_module_xyz\n")])

    done = _cli(workspace, "run", str(lab.stages_file), "--stage", "0", "--stage", "1")

    assert done.returncode == 1
    assert "fine" in done.stdout
    assert "ModuleNotFoundError: No module named 'missing_module_xyz'" in done.stdout.splitlines()[-1]


def test_notebook_export_then_import_with_apply(workspace, make_lab, tmp_path):
    lab = make_lab([raw_stage("x = 1\n", "one"), raw_stage("y = 2\n", "two")])
    target = tmp_path / "copy" / "lab_stages.toml"

    exported = _cli(workspace, "export-notebook", "demo_project")
    preview = _cli(workspace, "import-notebook", str(lab.notebook_file), "--into", str(target), "--json")
    applied = _cli(workspace, "import-notebook", str(lab.notebook_file), "--into", str(target), "--apply")

    assert exported.returncode == 0 and exported.stdout.strip() == f"wrote {lab.notebook_file}"
    assert preview.returncode == 0 and json.loads(preview.stdout)["stage_count"] == 2
    assert json.loads(preview.stdout)["applied"] is False
    assert applied.returncode == 0 and "the lab now has 2 stage(s)" in applied.stdout
    from engine.stages_run import Lab

    assert [s["D"] for s in read_stages(Lab.from_file(target))] == ["one", "two"]


def test_import_of_a_non_notebook_fails_and_leaves_the_lab_alone(workspace, make_lab, tmp_path):
    lab = make_lab([raw_stage("x = 1\n")])
    before = content_digest(lab.stages_file)
    bad = tmp_path / "notes.ipynb"
    bad.write_text("# not json at all\n")

    done = _cli(workspace, "import-notebook", str(bad), "--into", "demo", "--apply")

    assert done.returncode == 1
    assert f"error: {bad}: not a Jupyter notebook" in done.stderr
    assert content_digest(lab.stages_file) == before
