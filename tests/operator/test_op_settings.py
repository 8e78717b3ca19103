"""Settings that exist, work: every [cluster] key the engine reads has a field in ORCHESTRATE, pool_item_timeout
is gone, the Cluster-share card accepts Dask transfer, and verbosity changes what the live log shows."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from textual.widgets import Input, Select, Static, Switch

from engine.facade import Engine
from engine.health import app_health
from engine.log_levels import line_level
from engine.service import build_config
from engine.settings import ClusterSettings
from engine.workspace import Workspace
from tui.app import make_app

APP = "flight_telemetry_project"


def cluster_of(home: Path) -> dict:
    return tomlkit.parse((home / "settings" / APP / "app_settings.toml").read_text()).unwrap()["cluster"]


async def type_into(pilot, field: Input, text: str) -> None:
    """Replace the field's text as a paste would (one Changed with the whole text)."""
    field.focus()
    field.value = text
    await pilot.pause()


async def test_system_fields_write_data_share_pool_executor_and_size(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        await type_into(pilot, view.query_one("#set-workers_data_path", Input), "/mnt/share")
        await type_into(pilot, view.query_one("#set-pool_max_workers", Input), "3")
        view.query_one("#set-pool_executor", Select).value = "thread"
        await settle(pilot)
        cluster = cluster_of(tui_home)
        assert cluster["workers_data_path"] == "/mnt/share"
        assert cluster["pool_max_workers"] == 3 and cluster["pool_executor"] == "thread"
        await type_into(pilot, view.query_one("#set-pool_max_workers", Input), "0")
        await settle(pilot)
        assert "at least 1" in str(view.query_one("#err-pool_max_workers", Static).render())
        assert cluster_of(tui_home)["pool_max_workers"] == 3, "an invalid size is not written"
        await type_into(pilot, view.query_one("#set-pool_max_workers", Input), "")
        await settle(pilot)
        assert "pool_max_workers" not in cluster_of(tui_home), "empty means one per CPU: the key goes"


async def test_ssh_auth_method_and_service_sla_heartbeat_retention_are_written(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("hosts")
        await pilot.pause()
        view.query_one("#ssh-auth_method", Select).value = "password"
        view.show_section("service")
        await pilot.pause()
        view.query_one("#svc-allow_idle", Switch).value = True
        await type_into(pilot, view.query_one("#svc-max_unhealthy", Input), "2")
        await type_into(pilot, view.query_one("#svc-max_restart_rate", Input), "0.5")
        await type_into(pilot, view.query_one("#svc-heartbeat_timeout", Input), "4")
        await type_into(pilot, view.query_one("#svc-cleanup_done_ttl_sec", Input), "2")
        await type_into(pilot, view.query_one("#svc-cleanup_failed_max_files", Input), "x")
        await settle(pilot)
        assert "not a number" in str(view.query_one("#svc-err-cleanup_failed_max_files", Static).render())
        cluster = cluster_of(tui_home)
        assert cluster["auth_method"] == "password"
        assert cluster["service_health"] == {"allow_idle": True, "max_unhealthy": 2, "max_restart_rate": 0.5}
        assert cluster["service"]["heartbeat_timeout"] == 4.0
        assert cluster["service"]["cleanup_done_ttl_sec"] == 7200.0
        assert cluster["service"]["cleanup_failed_max_files"] == 2000
    # The engine reads what the form wrote: the service config built from these settings.
    engine = Engine(Workspace(tui_home))
    app_project = engine.app(APP)
    config = build_config(engine.workspace, app_project, engine.settings(app_project))
    assert config.heartbeat_timeout == 4.0
    assert config.cleanup_policy.done_ttl_sec == 7200.0
    assert engine.settings(app_project).cluster.service_health.max_unhealthy == 2


def test_pool_item_timeout_is_not_a_setting_but_an_agilab_file_with_it_still_loads() -> None:
    assert "pool_item_timeout" not in ClusterSettings.model_fields
    cluster = ClusterSettings.model_validate({"pool_item_timeout": 5.0})
    assert cluster.model_extra == {"pool_item_timeout": 5.0}, "AGILab's key is kept as it is, unread"


def test_cluster_share_card_accepts_data_through_dask(tui_home: Path) -> None:
    engine = Engine(Workspace(tui_home))
    app = engine.app(APP)
    settings = engine.settings(app)
    settings.update_cluster(cluster_enabled=True, workers_data_path="")
    settings.save()
    card = next(c for c in app_health(engine.workspace, app) if c.title == "Cluster share")
    assert card.status == "ok" and "Dask" in card.detail
    settings = engine.settings(app)
    settings.update_cluster(data_transfer="shared")
    settings.save()
    card = next(c for c in app_health(engine.workspace, app) if c.title == "Cluster share")
    assert card.status == "fail" and "workers_data_path" in card.fix


def test_line_levels() -> None:
    assert line_level("engine", "run flight in mode 0") == 0
    assert line_level("stdout", "[127.0.0.1-0] flight_001.csv: 600 rows") == 1
    assert line_level("engine", 'implementation: {"module": "x"}') == 2
    assert line_level("engine", 'dask: {"workers": {"127.0.0.1-0": "tcp://127.0.0.1:1"}}') == 1  # the workers table
    assert line_level("scheduler", "2026-01-01 12:00:00,000 - distributed.scheduler - INFO - Receive client") == 2
    assert line_level("worker", "2026-01-01 12:00:00,000 - distributed.worker - DEBUG - heartbeat") == 3
    assert line_level("worker", "2026-01-01 12:00:00,000 - distributed.worker - WARNING - memory") == 0
    assert line_level("stderr", "Traceback (most recent call last):") == 0
