"""``project``: the PROJECT page headless (list, create, rename, delete, export, import)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from .output import add_json_flag, answer


def _workspace() -> Any:
    from ..workspace import Workspace

    return Workspace()


def _change(options: argparse.Namespace, change: Any) -> int:
    payload = {"ok": True, **{k: (str(v) if k == "path" and v is not None else v) for k, v in asdict(change).items()}}
    return answer(options.json, payload, lambda: [change.message or f"{change.app}: done"])


def cmd_list(options: argparse.Namespace) -> int:
    workspace = _workspace()
    active = workspace.active_app_name
    rows = [{"name": app.name, "target": app.target, "bundled": app.bundled, "path": str(app.path),
             "active": app.name == active} for app in workspace.apps()]
    return answer(options.json, rows, lambda: [
        f"{'*' if r['active'] else ' '} {r['name']:<32} {'bundled' if r['bundled'] else 'workspace':<10} {r['path']}"
        for r in rows])


def cmd_create(options: argparse.Namespace) -> int:
    from ..projects import TEMPLATE_APP, create_from_notebook, create_from_template

    workspace = _workspace()
    if options.notebook:
        change = create_from_notebook(workspace, options.name, options.notebook,
                                      template=options.template or TEMPLATE_APP)
    else:
        change = create_from_template(workspace, options.name, options.template or TEMPLATE_APP)
    return _change(options, change)


def cmd_rename(options: argparse.Namespace) -> int:
    from ..projects import rename_app

    return _change(options, rename_app(_workspace(), options.name, options.new_name))


def cmd_delete(options: argparse.Namespace) -> int:
    from ..projects import delete_app

    if not options.yes:
        from ..errors import AgilabError

        raise AgilabError(f"deleting {options.name} removes its folder, settings and lab: add --yes to confirm")
    return _change(options, delete_app(_workspace(), options.name))


def cmd_export(options: argparse.Namespace) -> int:
    from ..projects import export_app

    return _change(options, export_app(_workspace(), options.name))


def cmd_import(options: argparse.Namespace) -> int:
    from pathlib import Path

    from ..projects import archive_dir, import_app

    workspace = _workspace()
    archive = Path(options.archive).expanduser()
    if not archive.exists() and not archive.is_absolute() and (archive_dir(workspace) / archive).is_file():
        archive = archive_dir(workspace) / archive
    return _change(options, import_app(workspace, archive, overwrite=options.overwrite))


def register(subparsers: Any) -> None:
    """Add ``project`` to the CLI."""
    project = subparsers.add_parser("project", help="list, create, rename, delete, export and import app projects")
    verbs = project.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="bundled and workspace apps (* = active)")
    listing.set_defaults(handler=cmd_list)
    create = verbs.add_parser("create", help="create a workspace app from a template app or a notebook")
    create.add_argument("name", help="new project name (_project is appended when missing)")
    create.add_argument("--template", help="app to clone (default: the minimal template app)")
    create.add_argument("--notebook", help="a .ipynb whose code cells become WORKFLOW stages (never executed)")
    create.set_defaults(handler=cmd_create)
    rename = verbs.add_parser("rename", help="rename a workspace app (identifiers rewritten)")
    rename.add_argument("name")
    rename.add_argument("new_name")
    rename.set_defaults(handler=cmd_rename)
    delete = verbs.add_parser("delete", help="delete a workspace app (needs --yes)")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    delete.set_defaults(handler=cmd_delete)
    export = verbs.add_parser("export", help="export an app as a zip archive (honours its .gitignore)")
    export.add_argument("name")
    export.set_defaults(handler=cmd_export)
    imp = verbs.add_parser("import", help="import an app from a zip archive (bad archives are refused)")
    imp.add_argument("archive", help="path of the .zip, or its name in the workspace archive folder")
    imp.add_argument("--overwrite", action="store_true", help="replace an existing app of the same name")
    imp.set_defaults(handler=cmd_import)
    for sub in (listing, create, rename, delete, export, imp):
        add_json_flag(sub)
