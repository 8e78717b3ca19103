"""engine.projects on real files: clone/rename identifiers, archives (good and hostile), validated saves."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from engine.errors import FileChangedError, SettingsError
from engine.projects import (
    ProjectError,
    create_from_notebook,
    create_from_template,
    delete_app,
    editable_files,
    export_app,
    import_app,
    inspect_archive,
    load_file,
    rename_app,
    rewrite_text,
    save_file,
)
from engine.workspace import Workspace


def _tree_text(root: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(root.rglob("*")) if p.is_file())


def test_create_from_template_renames_every_spelling(workspace: Workspace) -> None:
    change = create_from_template(workspace, "sales_forecast")
    root = workspace.projects_dir / "sales_forecast_project"
    assert change.app == "sales_forecast_project" and change.replacements > 20
    assert (root / "src" / "sales_forecast" / "sales_forecast.py").is_file()
    assert (root / "src" / "sales_forecast_worker" / "sales_forecast_worker.py").is_file()
    text = _tree_text(root)
    for old in ("minimal_app", "MinimalApp", "minimal-app", "MINIMAL_APP"):
        assert old not in text
    for new in ("class SalesForecast:", "class SalesForecastWorker(", "class SalesForecastArgs(",
                'name = "sales-forecast-project"', 'runtime_target = "sales_forecast"',
                'data_out = "sales_forecast/dataframe"', "SALES_FORECAST_REDUCE_CONTRACT"):
        assert new in text
    app = workspace.app("sales_forecast_project")
    assert not app.bundled and app.target == "sales_forecast"


def test_rewrite_keeps_longer_identifiers() -> None:
    text, count = rewrite_text("minimal_apps MinimalApple minimal_app_worker MinimalAppArgs", "minimal_app", "x_y")
    assert text == "minimal_apps MinimalApple x_y_worker XYArgs" and count == 2


@pytest.mark.parametrize("name", ["Bad", "1abc", "a__b", "with space", "minimal_app", "x_worker"])
def test_bad_or_taken_names_are_refused(workspace: Workspace, name: str) -> None:
    with pytest.raises(ProjectError):
        create_from_template(workspace, name)
    assert [p.name for p in workspace.projects_dir.iterdir()] == []


def test_bundled_apps_cannot_be_renamed_or_deleted(workspace: Workspace) -> None:
    for action in (lambda: rename_app(workspace, "flight_telemetry_project", "x"),
                   lambda: delete_app(workspace, "flight_telemetry_project")):
        with pytest.raises(ProjectError, match="bundled app .* clone it"):
            action()
    assert workspace.app("flight_telemetry_project").path.is_dir()


def test_rename_moves_settings_and_active_app(workspace: Workspace) -> None:
    from engine.settings import load_settings

    create_from_template(workspace, "alpha")
    load_settings(workspace, workspace.app("alpha_project"))
    workspace.write_state(active_app="alpha_project")
    change = rename_app(workspace, "alpha_project", "beta")
    assert change.replacements > 20 and "renamed" in change.message
    assert not (workspace.projects_dir / "alpha_project").exists()
    assert 'data_out = "beta/dataframe"' in workspace.settings_file("beta_project").read_text("utf-8")
    assert not (workspace.root / "settings" / "alpha_project").exists()
    assert workspace.active_app_name == "beta_project"


def test_export_honours_gitignore(workspace: Workspace) -> None:
    create_from_template(workspace, "gamma")
    root = workspace.projects_dir / "gamma_project"
    (root / ".gitignore").write_text("__pycache__/\n*.log\nsecret/\n!keep.log\n", "utf-8")
    (root / "run.log").write_text("noise", "utf-8")
    (root / "keep.log").write_text("kept", "utf-8")
    (root / "secret").mkdir()
    (root / "secret" / "token.txt").write_text("x", "utf-8")
    change = export_app(workspace, "gamma_project")
    assert change.path == workspace.root / "export" / "apps-zip" / "gamma_project.zip"
    names = zipfile.ZipFile(change.path).namelist()
    assert "gamma_project/src/app_settings.toml" in names and "gamma_project/keep.log" in names
    assert not any(n.endswith(("run.log", "token.txt")) for n in names)


def _zip(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return path


SETTINGS = '[args]\nn_items = 3\n'


@pytest.mark.parametrize(("entries", "reason"), [
    (None, "not a zip archive"),
    ({"evil_project/src/app_settings.toml": SETTINGS, "evil_project/../../escaped.txt": "x"}, "outside the app folder"),
    ({"/abs_project/src/app_settings.toml": SETTINGS}, "outside the app folder"),
    ({"evil_project/README.md": "no settings"}, "missing evil_project/src/app_settings.toml"),
    ({"evil_project/src/app_settings.toml": "[args\nbroken"}, "not valid TOML"),
    ({"a_project/src/app_settings.toml": SETTINGS, "b_project/src/app_settings.toml": SETTINGS}, "one top folder"),
    ({"flight_telemetry_project/src/app_settings.toml": SETTINGS}, "bundled app name"),
])
def test_bad_archives_are_refused_and_write_nothing(workspace: Workspace, tmp_path: Path,
                                                    entries: dict[str, str] | None, reason: str) -> None:
    archive = tmp_path / "in" / "bad.zip"
    archive.parent.mkdir()
    if entries is None:
        archive.write_text("this is not a zip", "utf-8")
    else:
        _zip(archive, entries)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(ProjectError, match=reason) as error:
        import_app(workspace, archive)
    assert "bad.zip" in str(error.value)
    assert list(workspace.projects_dir.iterdir()) == []
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not (tmp_path.parent / "escaped.txt").exists() and not (workspace.root.parent / "escaped.txt").exists()


def test_import_overwrites_only_when_confirmed(workspace: Workspace) -> None:
    create_from_template(workspace, "delta")
    archive = export_app(workspace, "delta_project").path
    readme = workspace.projects_dir / "delta_project" / "README.md"
    readme.write_text("local edit", "utf-8")
    assert inspect_archive(workspace, archive).exists
    with pytest.raises(ProjectError, match="confirm the overwrite"):
        import_app(workspace, archive)
    assert readme.read_text("utf-8") == "local edit"
    change = import_app(workspace, archive, overwrite=True)
    assert change.message.startswith("Replaced") and readme.read_text("utf-8") != "local edit"


def test_create_from_notebook_makes_stages_without_running(workspace: Workspace, tmp_path: Path) -> None:
    import nbformat

    marker = tmp_path / "executed.txt"
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Load the data"),
        nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')\ndf = 1"),
        nbformat.v4.new_code_cell(""),
        nbformat.v4.new_code_cell("df2 = df + 1"),
    ])
    path = tmp_path / "analysis.ipynb"
    nbformat.write(notebook, path)
    change = create_from_notebook(workspace, "nb_app", path)
    assert change.stages == 2 and not marker.exists()
    import tomlkit

    for stages_file in (workspace.projects_dir / "nb_app_project" / "lab_stages.toml",
                        workspace.root / "export" / "nb_app" / "lab_stages.toml"):
        document = tomlkit.parse(stages_file.read_text("utf-8")).unwrap()
        assert document["__meta__"]["schema"] == "agilab.lab_stages.v1"
        stages = document["nb_app"]
        assert [s["C"] for s in stages][1] == "df2 = df + 1" and stages[0]["D"] == "Load the data"


def test_create_from_bad_notebook_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(Exception, match="bad.ipynb"):
        create_from_notebook(workspace, "nb_bad", bad)
    assert list(workspace.projects_dir.iterdir()) == []


def test_saves_are_validated_and_atomic(workspace: Workspace) -> None:
    create_from_template(workspace, "eps")
    files = {f.key: f for f in editable_files(workspace, workspace.app("eps_project"))}
    assert set(files) >= {"readme", "settings", "args", "manager_pyproject", "worker_pyproject", "manager", "worker"}
    cases = [("manager", "def broken(:\n    pass\n", r"eps\.py, line 1: Python syntax error"),
             ("worker_pyproject", "[project\nname = 1\n", r"pyproject\.toml, line 1: invalid TOML"),
             ("settings", "[cluster]\nverbose = 1\nscheduler = 'nope'\n", r"app_settings\.toml, line 3, key 'cluster.scheduler'")]
    for key, text, message in cases:
        loaded = load_file(files[key])
        with pytest.raises(SettingsError, match=message):
            save_file(loaded, text)
        assert files[key].path.read_text("utf-8") == loaded.text
    loaded = load_file(files["manager"])
    saved = save_file(loaded, loaded.text + "\n# edited\n")
    assert files["manager"].path.read_text("utf-8").endswith("# edited\n") and saved.digest != loaded.digest
    files["manager"].path.write_text("changed elsewhere\n", "utf-8")
    with pytest.raises(FileChangedError):
        save_file(saved, "x = 1\n")


def test_bundled_sources_are_read_only(workspace: Workspace) -> None:
    files = {f.key: f for f in editable_files(workspace, workspace.app("minimal_app_project"))}
    assert files["manager"].read_only and not files["settings"].read_only
    with pytest.raises(ProjectError, match="read-only"):
        save_file(load_file(files["manager"]), "x = 1\n")
