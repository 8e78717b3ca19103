"""``stages`` CLI group, run as a real subprocess: list, convert (preview, apply), refresh, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.stages import LabStagesFile, StageStatus, new_template_stage, stage_status

from .test_converter import GENERATED, HAND_WRITTEN

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGILAB_TUI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "engine.cli.stages", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def _mixed(path: Path) -> None:
    lab = LabStagesFile.load(path)
    lab.add_stage("flight", {"D": "Run flights", "Q": "run", "C": GENERATED, "R": "runpy"})
    lab.add_stage("flight", {"D": "Double a", "Q": "double", "C": HAND_WRITTEN, "R": "runpy"})
    lab.add_stage("flight", new_template_stage("pipeline.agi_run.single_action", app="flight_telemetry_project"))
    lab.update_stage("flight", 2, {"template_version": 0})
    lab.save()


def test_list_json_reports_status_of_every_stage(tmp_path: Path) -> None:
    path = tmp_path / "lab_stages.toml"
    _mixed(path)
    result = _cli("list", str(path), "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["stages"]
    assert [(r["index"], r["status"], r["convertible"]) for r in rows] == [
        (0, "raw_python", True), (1, "raw_python", False), (2, "outdated", False)]
    assert rows[2]["saved_version"] == 0 and rows[2]["current_version"] == 1


def test_convert_previews_by_default_and_writes_with_apply(tmp_path: Path) -> None:
    path = tmp_path / "lab_stages.toml"
    _mixed(path)
    before = path.read_bytes()
    preview = _cli("convert", str(path), home=tmp_path / "home")
    assert preview.returncode == 0, preview.stderr
    assert "+kind = \"template\"" in preview.stdout and "would convert" in preview.stdout
    assert path.read_bytes() == before
    applied = _cli("convert", str(path), "--apply", "--json", home=tmp_path / "home")
    assert applied.returncode == 0, applied.stderr
    assert [s["index"] for s in json.loads(applied.stdout)["stages"]] == [0]
    stages = LabStagesFile.load(path).stages("flight")
    assert [stage_status(s).status for s in stages] == [StageStatus.CURRENT, StageStatus.RAW_PYTHON,
                                                        StageStatus.OUTDATED]


def test_refresh_writes_only_with_apply(tmp_path: Path) -> None:
    path = tmp_path / "lab_stages.toml"
    _mixed(path)
    before = path.read_bytes()
    preview = _cli("refresh", str(path), "2", home=tmp_path / "home")
    assert preview.returncode == 0 and "+template_version = 1" in preview.stdout
    assert path.read_bytes() == before
    assert _cli("refresh", str(path), "2", "--apply", home=tmp_path / "home").returncode == 0
    assert stage_status(LabStagesFile.load(path).stage("flight", 2)).status is StageStatus.CURRENT


def test_errors_exit_non_zero_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "lab_stages.toml"
    broken.write_text("flight = [ { C = 'x' \n")
    result = _cli("list", str(broken), home=tmp_path / "home")
    assert result.returncode == 1 and str(broken) in result.stderr and "line" in result.stderr
    missing = _cli("list", str(tmp_path / "nope" / "lab_stages.toml"), home=tmp_path / "home")
    assert missing.returncode == 1 and "no such lab file" in missing.stderr
    unknown_app = _cli("list", "no_such_app", home=tmp_path / "home")
    assert unknown_app.returncode == 1 and "no_such_app" in unknown_app.stderr
    raw = _cli("refresh", str(broken.with_name("x.toml")), "0", home=tmp_path / "home")
    assert raw.returncode == 1
