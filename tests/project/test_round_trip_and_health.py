"""The full life of an app (create, rename, export, delete, import, install, run) and its health cards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.facade import Engine
from engine.health import app_health
from engine.projects import create_from_template, delete_app, export_app, import_app, rename_app
from engine.workspace import Workspace


def _cards(workspace: Workspace, name: str) -> dict[str, object]:
    return {card.key: card for card in app_health(workspace, workspace.app(name))}


@pytest.mark.slow
async def test_round_trip_restores_an_app_that_installs_and_runs(engine: Engine, workspace: Workspace) -> None:
    create_from_template(workspace, "trip_one")
    rename_app(workspace, "trip_one_project", "trip_two")
    archive = export_app(workspace, "trip_two_project").path
    delete_app(workspace, "trip_two_project")
    assert "trip_two_project" not in [a.name for a in workspace.apps()]
    import_app(workspace, archive)
    app = engine.app("trip_two_project")
    assert _cards(workspace, app.name)["worker"].status == "fail"  # type: ignore[attr-defined]

    await engine.install(app).wait()
    result = await engine.run(app, engine.request_from_settings(app, mode=0)).wait()
    outputs = sorted((workspace.data_dir / "trip_two" / "dataframe").glob("*.csv"))
    assert len(outputs) == 4 and result is not None
    reduce = list((workspace.data_dir / "trip_two" / "dataframe").glob("reduce_summary*.json"))
    assert reduce, "the renamed worker wrote its reduce artefact"

    cards = _cards(workspace, app.name)
    assert cards["worker"].status == "ok" and "trip_two_worker.trip_two_worker" in cards["worker"].detail  # type: ignore[attr-defined]
    assert cards["manager"].status == "ok" and cards["settings"].status == "ok"  # type: ignore[attr-defined]


def test_health_names_the_fix(workspace: Workspace) -> None:
    import asyncio

    from engine.manager_env import install_manager_env_op

    create_from_template(workspace, "sick")
    app = workspace.app("sick_project")
    assert _cards(workspace, app.name)["manager"].status == "fail"  # type: ignore[attr-defined]
    asyncio.run(install_manager_env_op(workspace, app).wait())  # the manager is checked in its own env
    (app.manager_dir / "sick.py").write_text("import does_not_exist_anywhere\n", "utf-8")
    settings = workspace.settings_file(app)
    settings.write_text("[cluster]\ncluster_enabled = true\nscheduler = '127.0.0.1:8786'\ndata_transfer = 'shared'\n",
                        "utf-8")
    cards = _cards(workspace, app.name)
    manager = cards["manager"]
    assert manager.status == "fail" and "does_not_exist_anywhere" in manager.detail  # type: ignore[attr-defined]
    assert "sick.py" in manager.fix  # type: ignore[attr-defined]
    assert cards["worker"].status == "fail" and "agilab-tui install sick_project" in cards["worker"].fix  # type: ignore[attr-defined]
    assert cards["cluster"].status == "fail" and "workers_data_path" in cards["cluster"].fix  # type: ignore[attr-defined]
    assert cards["mlflow"].status == "warn" and cards["runs"].detail == "0 runs"  # type: ignore[attr-defined]


def test_broken_settings_card_names_file_and_line(workspace: Workspace) -> None:
    app = workspace.app("minimal_app_project")
    workspace.settings_file(app).write_text("[cluster]\nverbose = 1\nverbose = 2\n", "utf-8")
    card = _cards(workspace, app.name)["settings"]
    assert card.status == "fail" and "app_settings.toml" in card.detail and "verbose" in card.detail  # type: ignore[attr-defined]


def test_api_key_is_reported_never_shown(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-DO-NOT-SHOW-123"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    cards = app_health(workspace, workspace.app("minimal_app_project"))
    key = next(c for c in cards if c.key == "api_key")
    assert key.status == "ok" and "environment" in key.detail
    assert all(secret not in f"{c.detail} {c.fix}" for c in cards)
    monkeypatch.delenv("OPENAI_API_KEY")
    workspace.secrets_file.write_text(f'[openai]\napi_key = "{secret}"\n', "utf-8")
    os.chmod(workspace.secrets_file, 0o600)
    key = next(c for c in app_health(workspace, workspace.app("minimal_app_project")) if c.key == "api_key")
    assert key.status == "ok" and "secrets file" in key.detail and secret not in key.detail


def test_runs_card_counts_the_apps_runs(workspace: Workspace) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(workspace.mlflow_tracking_uri())
    experiment = client.create_experiment("minimal_app_project",
                                          artifact_location=(workspace.mlflow_dir / "artifacts").as_uri())
    for _ in range(2):
        client.set_terminated(client.create_run(experiment).info.run_id)
    cards = _cards(workspace, "minimal_app_project")
    assert cards["mlflow"].status == "ok" and cards["runs"].detail.startswith("2 for minimal_app_project")  # type: ignore[attr-defined]
    assert Path(workspace.mlflow_dir / "mlflow.db").exists()
