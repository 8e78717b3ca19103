"""Per-app settings: seeded once, comments and unknown keys kept, bad input named and never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import AgilabError, FileChangedError, SettingsError
from engine.facade import Engine
from engine.manager_client import validate_args
from engine.manager_env import install_manager_env_op
from engine.settings import load_settings
from engine.workspace import Workspace


@pytest.fixture()
def engine(isolated_home: Path) -> Engine:
    return Engine(Workspace(isolated_home))


@pytest.fixture(scope="module")
def managed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where the flight app's manager env exists: the app's model validates [args] there."""
    import asyncio

    home = tmp_path_factory.mktemp("managed_home")
    workspace = Workspace(home)
    asyncio.run(install_manager_env_op(workspace, workspace.app("flight_telemetry")).wait())
    return home


@pytest.fixture()
def managed_engine(managed_home: Path) -> Engine:
    return Engine(Workspace(managed_home))


def test_seeded_from_app_copy_on_first_use(engine: Engine):
    app = engine.app("flight_telemetry")
    settings = engine.settings(app)
    assert settings.path == engine.workspace.root / "settings" / app.name / "app_settings.toml"
    assert settings.path.read_text() == app.settings_seed.read_text()
    assert settings.cluster.workers == {"127.0.0.1": 2}
    assert settings.mode == 0 and settings.mode_label == "0: python"


def test_edits_keep_comments_order_and_unknown_keys(engine: Engine):
    app = engine.app("flight_telemetry")
    path = engine.settings(app).path
    path.write_text(path.read_text().replace("[cluster]\n", "[cluster]\n# my note about the cluster\nfancy_key = 'kept'\n")
                    + "\n[view_custom]\nzoom = 3\n")
    settings = engine.settings(app)
    settings.update_cluster(pool=True, cython=True, scheduler="10.0.0.5:8786")
    settings.set_workers({"127.0.0.1": 1, "10.0.0.7": 3})
    settings.save()
    text = path.read_text()
    assert "# my note about the cluster" in text and "fancy_key = 'kept'" in text and "[view_custom]" in text
    assert text.index("[args]") < text.index("[cluster]") < text.index("[pages]")
    reloaded = engine.settings(app)
    assert reloaded.mode == 3 and reloaded.cluster.workers == {"127.0.0.1": 1, "10.0.0.7": 3}
    assert reloaded.cluster.model_extra["fancy_key"] == "kept"


def test_malformed_toml_names_file_and_line_and_is_not_overwritten(engine: Engine):
    app = engine.app("flight_telemetry")
    path = engine.settings(app).path
    broken = path.read_text().replace('scheduler = "127.0.0.1:8786"', 'scheduler = "127.0.0.1:8786')
    path.write_text(broken)
    with pytest.raises(SettingsError) as info:
        load_settings(engine.workspace, app)
    assert str(path) in str(info.value) and info.value.line is not None
    assert path.read_text() == broken


@pytest.mark.parametrize("workers, message", [
    ({"127.0.0.1": -1}, "non-negative"),
    ({"bad host!": 1}, "not a valid host"),
    ({"127.0.0.1": 0}, "at least one"),
    ({"127.0.0.1": "two"}, "non-negative integer"),
])
def test_invalid_worker_map_is_refused_and_file_unchanged(engine: Engine, workers, message):
    app = engine.app("flight_telemetry")
    settings = engine.settings(app)
    before = settings.path.read_bytes()
    with pytest.raises((SettingsError, ValueError), match=message):
        settings.set_workers(workers)
    assert settings.path.read_bytes() == before


def test_invalid_cluster_value_in_file_names_key_and_line(engine: Engine):
    app = engine.app("flight_telemetry")
    path = engine.settings(app).path
    path.write_text(path.read_text().replace("verbose = 1", "verbose = 9"))
    with pytest.raises(SettingsError) as info:
        engine.settings(app)
    assert info.value.key == "cluster.verbose" and info.value.line == path.read_text().splitlines().index("verbose = 9") + 1


def test_unknown_args_key_rejected_by_the_app_model(managed_engine: Engine):
    engine = managed_engine
    app = engine.app("flight_telemetry")
    path = engine.settings(app).path
    before = path.read_bytes()
    with pytest.raises(SettingsError) as info:
        engine.save_args(app, {**engine.settings(app).args, "nfiles": 3})
    assert info.value.key == "args.nfiles" and "unknown key" in str(info.value)
    assert path.read_bytes() == before
    with pytest.raises(SettingsError, match="args.output_format"):
        validate_args(engine.workspace, app, {"output_format": "xlsx"})


def test_save_refuses_when_file_changed_on_disk(engine: Engine):
    app = engine.app("flight_telemetry")
    settings = engine.settings(app)
    settings.path.write_text(settings.path.read_text() + "\n# edited elsewhere\n")
    settings.update_cluster(pool=True)
    with pytest.raises(FileChangedError):
        settings.save()
    assert "# edited elsewhere" in settings.path.read_text()


def test_valid_args_are_saved(managed_engine: Engine):
    engine = managed_engine
    app = engine.app("flight_telemetry")
    args = engine.save_args(app, {**engine.settings(app).args, "nfile": 2, "output_format": "csv"})
    assert args["nfile"] == 2 and engine.settings(app).args["output_format"] == "csv"


def test_args_need_the_manager_env_and_say_so(engine: Engine):
    """Before INSTALL the app's model is not available: saving [args] through it says to install first."""
    app = engine.app("flight_telemetry")
    before = engine.settings(app).path.read_bytes()
    with pytest.raises(AgilabError, match="run INSTALL first"):
        engine.save_args(app, {**engine.settings(app).args, "nfile": 2})
    assert engine.settings(app).path.read_bytes() == before
    # As TOML, [args] can still be edited: checked as TOML only, and said so by manager_ready().
    assert not engine.manager_ready(app)
    saved = engine.save_args_toml(app, 'data_in = "flight_telemetry/dataset"\nnfile = 2\n')
    assert saved == {"data_in": "flight_telemetry/dataset", "nfile": 2}
    with pytest.raises(SettingsError, match="line 1"):
        engine.save_args_toml(app, "nfile = = 2\n")
