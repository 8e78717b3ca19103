"""Defect 4: plan ids, step ids, artefact and data paths, stage names and archive members stay in their folder."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from rel_helpers import cli

from engine.dag import check_plan
from engine.dag.model import CONTROLLED_RUNNER_STATUS, PLAN_SCHEMA
from engine.dag.runner import default_state_path
from engine.errors import AgilabError
from engine.projects.archive import import_app
from engine.workspace import Workspace


def _plan(**changes: Any) -> dict[str, Any]:
    step = {"id": "s1", "app": "minimal_app_project", "purpose": "p",
            "execution": {"command": ["python", "-c", "print(1)"], "params": {}, "stages": []},
            "produces": [{"id": "a1", "kind": "file", "path": "x/out.txt"}], "consumes": []}
    plan = {"schema": PLAN_SCHEMA, "dag_id": "safe", "execution": {"runner_status": CONTROLLED_RUNNER_STATUS},
            "nodes": [step], "edges": []}
    for dotted, value in changes.items():
        node: Any = plan
        keys = dotted.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        node[keys[-1]] = value
    return plan


HOSTILE = [
    ("dag_id", {"dag_id": "../../../../tmp/x"}, "dag_id"),
    ("dag_id_slash", {"dag_id": "a/b"}, "dag_id"),
    ("dag_id_dotdot", {"dag_id": ".."}, "dag_id"),
    ("node_id", {"nodes__0__id": "../s1"}, "nodes[0].id"),
    ("produces_traversal", {"nodes__0__produces": [{"id": "a1", "path": "../../../../etc/passwd"}]},
     "nodes[0].produces[0].path"),
    ("produces_absolute", {"nodes__0__produces": [{"id": "a1", "path": "/etc/passwd"}]}, "nodes[0].produces[0].path"),
    ("consumes_home", {"nodes__0__consumes": [{"id": "a1", "path": "~/.ssh/id_rsa"}]}, "nodes[0].consumes[0].path"),
    ("data_out", {"nodes__0__execution__data_out": "../../../../tmp/wipe"}, "nodes[0].execution.data_out"),
    ("data_in", {"nodes__0__execution__data_in": "/etc"}, "nodes[0].execution.data_in"),
    ("stage_name", {"nodes__0__execution__stages": [{"name": "../../x"}]}, "nodes[0].execution.stages[0].name"),
    ("binding_name", {"execution": {"runner_status": CONTROLLED_RUNNER_STATUS,
                                    "stage_bindings": {"../up": "s1"}}}, "execution.stage_bindings"),
]


@pytest.mark.parametrize(("case", "changes", "field"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_check_rejects_paths_leaving_their_folder(case: str, changes: dict[str, Any], field: str):
    result = check_plan(json.dumps(_plan(**changes)), None)
    assert not result.ok, f"{case} accepted"
    assert any(issue.location.startswith(field) for issue in result.errors), [str(i) for i in result.errors]


def test_safe_plan_still_passes():
    assert check_plan(json.dumps(_plan()), None).ok


def test_dag_check_cli_names_the_field_and_preview_next_writes_nothing_outside(isolated_home: Path, tmp_path: Path):
    escape_name = f"escaped_{tmp_path.name}"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(_plan(dag_id=f"../../../../{escape_name}")))
    out = cli(isolated_home, "dag", "check", str(plan_file), "--any-app", "--json")
    assert out.returncode == 1
    assert any(i["location"] == "dag_id" for i in json.loads(out.stdout)["issues"])
    out = cli(isolated_home, "dag", "preview-next", str(plan_file))
    assert out.returncode == 1 and "dag_id" in out.stderr
    assert "Traceback" not in out.stderr
    workspace = Workspace(isolated_home)
    escaped = workspace.root / "log" / "execute" / "multi_app_dag" / f"../../../../{escape_name}"
    assert not escaped.resolve().exists()
    assert not list(isolated_home.parent.glob(f"{escape_name}*"))


def test_state_path_refuses_an_unsafe_id_even_without_check(isolated_home: Path):
    workspace = Workspace(isolated_home)
    assert default_state_path(workspace, "ok-id").name == "runner_state.json"
    for bad in ("../../../../tmp/x", "/tmp/x", "..", "a/b"):
        with pytest.raises(AgilabError):
            default_state_path(workspace, bad)


def _archive(path: Path, entries: list[tuple[str, bytes, int | None]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil_project/src/app_settings.toml", '[__meta__]\nschema = "agilab.app_settings.v1"\n')
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


@pytest.mark.parametrize("entry", [
    ("evil_project/../../../../tmp/owned.txt", b"x", None),
    ("/tmp/owned_abs.txt", b"x", None),
    ("evil_project/src/link", b"/etc/passwd", stat.S_IFLNK | 0o777),
    ("evil_project/src/dirlink", b"../../..", stat.S_IFLNK | 0o777),
], ids=["dotdot", "absolute", "symlink_abs", "symlink_rel"])
def test_archive_import_refuses_escaping_members(isolated_home: Path, tmp_path: Path, entry: tuple[str, bytes, int]):
    workspace = Workspace(isolated_home)
    archive = _archive(tmp_path / "evil.zip", [entry])
    before = {p for p in isolated_home.rglob("*") if p.is_file()}
    with pytest.raises(AgilabError, match="refused"):
        import_app(workspace, archive)
    assert not (workspace.projects_dir / "evil_project").exists()
    assert not Path("/tmp/owned.txt").exists() and not Path("/tmp/owned_abs.txt").exists()
    assert {p for p in isolated_home.rglob("*") if p.is_file()} == before, "a refused archive wrote files"
    out = cli(isolated_home, "project", "import", str(archive))
    assert out.returncode != 0 and "refused" in out.stderr and "Traceback" not in out.stderr
