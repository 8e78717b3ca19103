"""Service start and stop leave run records (a real local supervisor and its worker loops)."""

from __future__ import annotations

import pytest

from engine.cli import main as cli
from engine.records import list_runs, load_manifest, wait_pending
from engine.service import build_config
from engine.settings import load_settings
from engine.workspace import Workspace

pytestmark = pytest.mark.slow
APP = "minimal_app"


def test_service_start_and_stop_are_recorded(isolated_home, capsys):
    workspace = Workspace(isolated_home)
    app = workspace.app(APP)
    settings = load_settings(workspace, app)
    settings.update_cluster(cluster_enabled=False, workers={"127.0.0.1": 2})
    settings.save()
    config = build_config(workspace, app, load_settings(workspace, app))
    opts = ["--heartbeat-timeout", "3", "--poll-interval", "0.5"]
    try:
        assert cli(["serve", APP, "start", *opts]) == 0
        assert cli(["serve", APP, "start", *opts]) == 3  # already running: refused, and recorded as failed
    finally:
        assert cli(["serve", APP, "stop", *opts]) == 0
    runs = list_runs(workspace.log_dir(app) / "runs")
    assert [(r.kind, r.status) for r in runs] == [("service-stop", "completed"), ("service-start", "failed"),
                                                   ("service-start", "completed")]
    started = load_manifest(runs[2].record_dir)["record"]
    assert started["metrics"]["workers_running_count"] == 2 and started["hosts"] == {"127.0.0.1": 2}
    assert started["outputs"][0]["path"] == str(config.health_path)
    assert "already running" in runs[1].error
    assert "service-start" in (runs[2].record_dir / "run.log").read_text()
    assert wait_pending(120)
    assert all(load_manifest(r.record_dir)["record"]["tracking"]["status"] == "ok" for r in runs)
