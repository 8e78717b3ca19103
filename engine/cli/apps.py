"""``apps``, ``install``, ``distribute``, ``run`` and ``benchmark``: the app lifecycle, headless."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from ..modes import mode_label, parse_mode, parse_mode_list
from . import ssh_password

if TYPE_CHECKING:  # the engine (pydantic, asyncio) loads only for the commands that operate: listing stays light
    from ..facade import Engine


def _engine() -> Engine:
    from ..facade import Engine

    return Engine()


def drive(op: Any, **kwargs: Any) -> int:
    from .stream import drive as drive_operation

    return drive_operation(op, **kwargs)


def cmd_apps(options: argparse.Namespace) -> int:
    # Workspace + install stamps only (the same answers as Engine.apps / Engine.install_status).
    from ..install_state import app_install_status
    from ..workspace import Workspace

    workspace = Workspace()
    rows = []
    for app in workspace.apps():
        status = app_install_status(workspace, app)
        rows.append({"name": app.name, "target": app.target, "bundled": app.bundled, "path": str(app.path),
                     "installed": status.installed, "backend": app.backend})
    if options.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            origin = "agilab" if row["backend"] == "agilab" else "bundled" if row["bundled"] else "workspace"
            state = "installed" if row["installed"] else "not installed"
            print(f"{row['name']:<32} {origin:<10} {state}")
    return 0


def cmd_install(options: argparse.Namespace) -> int:
    engine = _engine()
    ssh_password.apply(engine, options)
    modes = parse_mode(options.modes_enabled) if options.modes_enabled is not None else None
    op = engine.install(options.app, modes_enabled=modes)
    return drive(op, as_json=options.json, summary=lambda r: print(f"installed: {r['wenv']} (cython: {r['cython']})"))


def _print_plan(result: dict[str, Any]) -> None:
    plan = result["plan"]
    for label, chunks in zip(plan["worker_slots"], plan["work_plan_metadata"], strict=True):
        load = sum(m["weight"] for m in chunks)
        print(f"{label}: {load:.1f} {plan['weights_unit']}")
        for meta in chunks:
            print(f"  - {meta['partition']} ({meta['weight']} {plan['weights_unit']})")
    print(f"work plan: {result['plan_path']}")


def cmd_distribute(options: argparse.Namespace) -> int:
    return drive(_engine().get_distrib(options.app), as_json=options.json, summary=_print_plan)


def _print_run(result: dict[str, Any]) -> None:
    print(f"mode {result['label']} [{result['token']}]: {result['seconds']:.2f} s "
          f"({len(result['outputs'])} output file(s) in {result['output_dir']})")
    if result.get("reduce_path"):
        print(f"reduce artefact: {result['reduce_path']}")
    print(f"manifest: {result['manifest']}")
    if result.get("run_id"):
        print(f"run record: {result['run_id']} ({result['record_dir']})")


def cmd_run(options: argparse.Namespace) -> int:
    from ..run_overrides import parse_overrides

    engine = _engine()
    ssh_password.apply(engine, options)
    mode = parse_mode(options.mode) if options.mode is not None else None
    request = engine.request_from_settings(options.app, mode=mode)
    overrides = parse_overrides(options.set or [])
    return drive(engine.run(options.app, request, overrides=overrides or None), as_json=options.json,
                 summary=_print_run)


def _print_benchmark(result: dict[str, Any]) -> None:
    print(f"{'mode':<28} {'token':<6} {'seconds':>9} {'delta':>8} {'order':>5}")
    for mode, row in sorted(result["benchmark"].items(), key=lambda kv: kv[1]["order"]):
        print(f"{mode_label(int(mode)):<28} {row['mode']:<6} {row['seconds']:>9.3f} {row['delta']:>8.3f} {row['order']:>5}")
    print(f"benchmark: {result['path']}")


def cmd_benchmark(options: argparse.Namespace) -> int:
    engine = _engine()
    ssh_password.apply(engine, options)
    return drive(engine.benchmark(options.app, parse_mode_list(options.modes)), as_json=options.json,
                 summary=_print_benchmark)


def register(subparsers: Any) -> None:
    def add(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
        parser.set_defaults(handler=handler)
        return parser

    add("apps", cmd_apps, "list bundled and workspace apps")
    parser = add("install", cmd_install, "create the app's worker environment (uv), build Cython when enabled")
    parser.add_argument("app")
    parser.add_argument("--modes-enabled", help="bitmask or dcrp token to prepare (default: from settings)")
    ssh_password.add_argument(parser)
    parser = add("distribute", cmd_distribute, "build and save the work plan (CHECK DISTRIBUTE)")
    parser.add_argument("app")
    parser = add("run", cmd_run, "run the app in one mode")
    parser.add_argument("app")
    parser.add_argument("--mode", help="0-15 or a dcrp token (default: from settings)")
    ssh_password.add_argument(parser)
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override one argument for this run only (repeatable; validated, recorded, not saved)")
    parser = add("benchmark", cmd_benchmark, "run several modes in turn and write benchmark.json")
    parser.add_argument("app")
    parser.add_argument("--modes", default="0,1,2,4", help="comma-separated modes (default 0,1,2,4)")
    ssh_password.add_argument(parser)
