"""``agilab health|use-python|add-apps``: the AGILab backend's set-up, headless."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _workspace() -> Any:
    from ..workspace import Workspace

    return Workspace()


def cmd_health(options: argparse.Namespace) -> int:
    from ..backends.agilab.health import cards

    found = cards(_workspace(), mode=4 if options.dask else 0)
    if options.json:
        print(json.dumps([card.__dict__ for card in found], indent=2))
    else:
        for card in found:
            print(f"{card.status:<5} {card.title:<20} {card.detail}" + (f"\n      fix: {card.fix}" if card.fix else ""))
    return 1 if any(card.status == "fail" for card in found) else 0


def cmd_use_python(options: argparse.Namespace) -> int:
    from ..backends.agilab.discovery import STATE_KEY

    python = Path(options.python).expanduser().absolute()
    _workspace().write_state(**{STATE_KEY: str(python)})
    print(json.dumps({"agilab_python": str(python)}) if options.json else f"AGILab Python: {python}")
    return 0


def cmd_add_apps(options: argparse.Namespace) -> int:
    from ..backends.agilab.discovery import add_apps_path

    projects = add_apps_path(_workspace(), options.folder)
    names = [f"agilab:{p.name}" for p in projects]
    print(json.dumps({"added": names}) if options.json else "\n".join(names))
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("agilab", help="AGILab backend: health, which Python, extra app folders")
    group = parser.add_subparsers(dest="agilab_command", metavar="ACTION", required=True)
    health = group.add_parser("health", help="what the AGILab backend needs and how to fix what is missing")
    health.add_argument("--dask", action="store_true", help="also check the cluster share (Dask modes)")
    health.set_defaults(handler=cmd_health)
    use = group.add_parser("use-python", help="remember the Python that has AGILab in the workspace settings")
    use.add_argument("python")
    use.set_defaults(handler=cmd_use_python)
    add = group.add_parser("add-apps", help="list the AGILab projects of a folder as agilab:<project>")
    add.add_argument("folder")
    add.set_defaults(handler=cmd_add_apps)
    for sub in (health, use, add):
        sub.add_argument("--json", action="store_true", help="machine-readable output")
