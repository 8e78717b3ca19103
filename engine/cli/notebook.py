"""``notebook export APP``: ORCHESTRATE's runnable recipe notebook (install, distribute and run snippets)."""

from __future__ import annotations

import argparse
from typing import Any

from .output import add_json_flag, answer


def cmd_export(options: argparse.Namespace) -> int:
    from ..facade import Engine

    path = Engine().export_orchestrate_notebook(options.app)
    return answer(options.json, {"ok": True, "path": str(path)}, lambda: [f"notebook: {path}"])


def register(subparsers: Any) -> None:
    """Add ``notebook`` to the CLI (the WORKFLOW supervisor notebook is ``stages export-notebook``)."""
    notebook = subparsers.add_parser("notebook", help="export ORCHESTRATE's recipe as <app>_orchestrate.ipynb")
    verbs = notebook.add_subparsers(dest="verb", metavar="VERB", required=True)
    export = verbs.add_parser("export", help="write the install / distribute / run snippets as a notebook")
    export.add_argument("app")
    add_json_flag(export)
    export.set_defaults(handler=cmd_export)
