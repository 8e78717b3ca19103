"""The ``dag`` CLI group: check, plan, run-ready, status, with JSON output and failing exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main as cli_main
from engine.cli.dag import main as dag_main
from engine.dag.sources import SAMPLES_DIR

from .conftest import APPS, node, plan, save_plan, two_step_plan, write_step

DIAMOND = SAMPLES_DIR / "multi_app_dag_command_diamond.json"


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_check_plan_status_and_run_ready(capsys: pytest.CaptureFixture[str], isolated_home: Path,
                                         tmp_path: Path, templates: Path) -> None:
    state = tmp_path / "state.json"
    assert cli_main(["dag", "check", str(DIAMOND), "--json"]) == 0
    assert _json(capsys)["execution_order"] == ["seed", "squares", "cubes", "merge"]

    assert dag_main(["dag", "plan", str(DIAMOND), "--state", str(state), "--json"]) == 0
    shown = _json(capsys)
    assert shown["metrics"]["ready"] == 1 and shown["steps"][3]["blocked_by_artifacts"] == ["squares", "cubes"]
    assert shown["execution"] == "preview" and "dag promote" in shown["execution_note"]
    assert not state.exists(), "plan only reads"

    # A sample is preview-only (conservative execution) until it is promoted into an app's templates.
    assert dag_main(["dag", "run-ready", str(DIAMOND), "--state", str(state), "--json"]) == 1
    assert "preview-only" in _json(capsys)["error"]
    assert dag_main(["dag", "promote", str(DIAMOND), "dag_owner_project", "--json"]) == 0
    promoted = Path(_json(capsys)["path"])
    assert promoted == templates / DIAMOND.name
    assert dag_main(["dag", "plan", str(promoted), "--state", str(state), "--json"]) == 0
    assert _json(capsys)["execution"] == "real"
    DIAMOND_RUN = promoted
    assert dag_main(["dag", "run-ready", str(DIAMOND_RUN), "--state", str(state), "--slots", "2", "--all",
                     "--json"]) == 0
    ran = _json(capsys)
    assert ran["ok"] is True and ran["result"]["run_status"] == "completed"
    summary = json.loads((isolated_home / "data/dag_samples/diamond/summary.json").read_text())
    assert summary == {"sum_squares": 285, "sum_cubes": 2025}

    assert dag_main(["dag", "status", str(DIAMOND_RUN), "--state", str(state)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("command-diamond: completed")
    assert "real     unit_completed  merge" in text


def test_run_ready_fails_with_non_zero_exit(capsys: pytest.CaptureFixture[str], tmp_path: Path, templates: Path) -> None:
    data = plan([node("boom", APPS[0], ["python", "-c", "raise SystemExit(3)"], [("x", "x/x.txt")])])
    path = save_plan(templates, data)
    state = tmp_path / "state.json"
    assert dag_main(["dag", "run-ready", str(path), "--state", str(state)]) == 1
    assert "boom: command exited with code 3" in capsys.readouterr().err
    assert dag_main(["dag", "status", str(path), "--state", str(state), "--json"]) == 1
    assert _json(capsys)["steps"][0]["status"] == "failed"


def test_retry_and_rerun_from(capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_home: Path, templates: Path) -> None:
    path = save_plan(templates, two_step_plan())
    state = tmp_path / "state.json"
    assert dag_main(["dag", "run-ready", str(path), "--state", str(state), "--all"]) == 0
    assert dag_main(["dag", "rerun-from", str(path), "double", "--state", str(state), "--json"]) == 0
    capsys.readouterr()
    assert dag_main(["dag", "retry", str(path), "double", "--state", str(state)]) == 1
    assert "only a failed step is retried" in capsys.readouterr().err
    assert dag_main(["dag", "preview-next", str(path), "--state", str(state), "--json"]) == 0
    assert _json(capsys) == {"previewed": "double"}


def test_distributed_dry_run_prints_the_exact_requests(capsys: pytest.CaptureFixture[str], tmp_path: Path, templates: Path) -> None:
    path = save_plan(templates, plan([node("a", APPS[0], write_step("d/a.txt"), [("a", "d/a.txt")],
                                          data_out="d")]))
    assert dag_main(["dag", "run-ready", str(path), "--state", str(tmp_path / "s.json"), "--backend",
                     "distributed", "--scheduler", "10.0.0.1:8786", "--workers", '{"10.0.0.2": 2}',
                     "--dry-run", "--json"]) == 0
    [request] = _json(capsys)["requests"]
    assert request["scheduler"] == "tcp://10.0.0.1:8786" and request["workers"] == {"10.0.0.2": 2}
    assert request["mode"] & 4 and request["request"]["data_out"] == "d"
    assert request["request"]["scheduler"] == "10.0.0.1:8786"


def test_check_runs_as_a_module_in_a_subprocess(tmp_path: Path, templates: Path) -> None:
    data = two_step_plan()
    data["nodes"][1]["id"] = "bad id"
    path = save_plan(templates, data)
    done = subprocess.run([sys.executable, "-m", "engine.cli.dag", "dag", "check", str(path)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False)
    assert done.returncode == 1
    assert "error: nodes[1].id: 'bad id' is not a valid id" in done.stdout
