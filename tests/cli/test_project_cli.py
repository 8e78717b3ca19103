"""``agilab-tui project``: the PROJECT page's actions headless, each with --json, on a real workspace."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import cli


def _json(out) -> object:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_create_rename_export_delete_import_round_trip(isolated_home: Path):
    rows = _json(cli(isolated_home, "project", "list", "--json"))
    names = {row["name"] for row in rows}
    assert {"flight_telemetry_project", "minimal_app_project"} <= names
    assert sum(row["active"] for row in rows) == 1

    created = _json(cli(isolated_home, "project", "create", "demo", "--json"))
    assert created["ok"] and created["app"] == "demo_project"
    assert (Path(created["path"]) / "src" / "demo" / "demo.py").is_file()
    assert created["replacements"] > 0

    renamed = _json(cli(isolated_home, "project", "rename", "demo_project", "radar", "--json"))
    assert renamed["app"] == "radar_project" and renamed["replacements"] > 0
    listed = {row["name"] for row in _json(cli(isolated_home, "project", "list", "--json"))}
    assert "radar_project" in listed and "demo_project" not in listed

    exported = _json(cli(isolated_home, "project", "export", "radar_project", "--json"))
    archive = Path(exported["path"])
    assert archive.suffix == ".zip" and archive.is_file()
    with zipfile.ZipFile(archive) as zf:
        assert any(name.endswith("src/radar/radar.py") for name in zf.namelist())

    refused = cli(isolated_home, "project", "delete", "radar_project")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert (isolated_home / "projects" / "radar_project").is_dir()
    deleted = _json(cli(isolated_home, "project", "delete", "radar_project", "--yes", "--json"))
    assert deleted["ok"] and not (isolated_home / "projects" / "radar_project").exists()

    imported = _json(cli(isolated_home, "project", "import", archive.name, "--json"))  # by name in the archive folder
    assert imported["app"] == "radar_project"
    assert (isolated_home / "projects" / "radar_project" / "src" / "radar" / "radar.py").is_file()
    again = cli(isolated_home, "project", "import", str(archive), "--json")
    assert again.returncode == 1 and json.loads(again.stdout)["ok"] is False
    assert "already exists" in json.loads(again.stdout)["error"]


def test_create_from_notebook_never_executes_cells(isolated_home: Path, tmp_path: Path):
    import nbformat

    marker = tmp_path / "executed"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('x')"),
                                         nbformat.v4.new_code_cell("df = df.head(3)")])
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    created = _json(cli(isolated_home, "project", "create", "nbapp", "--notebook", str(path), "--json"))
    assert created["stages"] == 2 and not marker.exists()


def test_bad_archive_is_refused_and_nothing_is_written(isolated_home: Path, tmp_path: Path):
    bogus = tmp_path / "bogus.zip"
    bogus.write_text("not a zip")
    before = sorted((isolated_home / "projects").rglob("*")) if (isolated_home / "projects").exists() else []
    out = cli(isolated_home, "project", "import", str(bogus))
    assert out.returncode == 1 and str(bogus) in out.stderr
    after = sorted((isolated_home / "projects").rglob("*")) if (isolated_home / "projects").exists() else []
    assert [p for p in after if not p.name.startswith(".")] == [p for p in before if not p.name.startswith(".")]


def test_bundled_apps_cannot_be_renamed(isolated_home: Path):
    out = cli(isolated_home, "project", "rename", "flight_telemetry_project", "other", "--json")
    assert out.returncode == 1
    assert "bundled" in json.loads(out.stdout)["error"]
