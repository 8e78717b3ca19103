"""``runs list|show|compare|rerun|pin``: the run records of an app, headless."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine (pydantic, asyncio) loads only when a command runs: the CLI parser stays light
    from ..facade import Engine


def _engine() -> Engine:
    from ..facade import Engine

    return Engine()


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2, default=str))


def _summary_dict(summary: Any) -> dict[str, Any]:
    row = dataclasses.asdict(summary)
    row["record_dir"] = str(summary.record_dir)
    return row


def cmd_list(options: argparse.Namespace) -> int:
    runs = _engine().runs(options.app)
    if options.json:
        _print_json([_summary_dict(r) for r in runs])
        return 0
    print(f"{'run id':<23} {'kind':<14} {'mode':<5} {'status':<10} {'seconds':>8}  changed args")
    for r in runs:
        pin = "*" if r.pinned else " "
        seconds = f"{r.seconds:.2f}" if isinstance(r.seconds, (int, float)) else "-"
        mode = "" if r.mode is None else str(r.mode)
        print(f"{r.run_id:<22}{pin} {r.kind:<14} {mode:<5} {r.status:<10} {seconds:>8}  {', '.join(r.changed_args)}")
    return 0


def cmd_show(options: argparse.Namespace) -> int:
    engine = _engine()
    manifest = engine.run_record(options.run_id)
    if options.json:
        _print_json(manifest)
        return 0
    rec = manifest["record"]
    print(f"run {rec['run_id']}  {rec['app']}  {rec['kind']}  {rec['status']}"
          + (f"  ({rec['error']})" if rec.get("error") else ""))
    print(f"started {rec['started_at']}  seconds {rec.get('seconds')}  mode {rec.get('mode')} [{rec.get('token') or ''}]")
    print(f"args: {json.dumps(rec.get('args') or {}, sort_keys=True)}")
    print(f"hosts: {json.dumps(rec.get('hosts') or {})}")
    for name, value in sorted((rec.get("metrics") or {}).items()):
        print(f"  {name:<24} {value:g}")
    print(f"inputs: {len(rec.get('inputs') or [])}  outputs: {len(rec.get('outputs') or [])}")
    tracking = rec.get("tracking") or {}
    print(f"tracking: {tracking.get('status')} {tracking.get('mlflow_run_id') or tracking.get('reason') or ''}")
    print(f"record: {engine.run_record_dir(options.run_id)}")
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "-" if value is None else str(value)


def cmd_compare(options: argparse.Namespace) -> int:
    diff = _engine().compare_runs(options.run_a, options.run_b)
    if options.json:
        _print_json(diff)
        return 0
    print(f"{diff['a']} -> {diff['b']}")
    print("args:" if diff["args"] else "args: identical")
    for row in diff["args"]:
        print(f"  {row['key']}: {_fmt(row['a'])} -> {_fmt(row['b'])}")
    print("environment:" if diff["env"] else "environment: identical")
    for row in diff["env"]:
        print(f"  {row['package']}: {_fmt(row['a'])} -> {_fmt(row['b'])}")
    print("metrics:")
    for row in diff["metrics"]:
        pct = f" ({row['pct']:+.2f} %)" if row["pct"] is not None else ""
        print(f"  {row['name']:<24} {_fmt(row['a']):>14} {_fmt(row['b']):>14} {_fmt(row['delta']):>14}{pct}")
    for section in ("inputs", "outputs"):
        part = diff[section]
        print(f"{section}: {len(part['same'])} same, {len(part['changed'])} changed, "
              f"{len(part['added'])} added, {len(part['removed'])} removed")
        key = "path" if section == "inputs" else "name"
        for row in part["changed"]:
            rows = f" rows {_fmt(row['rows_a'])} -> {_fmt(row['rows_b'])}" if section == "outputs" else ""
            print(f"  changed {row[key]}{rows}")
        for row in part["added"]:
            print(f"  added   {row[key]}")
        for row in part["removed"]:
            print(f"  removed {row[key]}")
    return 0


def _print_rerun(result: dict[str, Any]) -> None:
    verdict = "identical" if result["identical"] else f"{len(result['differences'])} output(s) differ"
    print(f"rerun of {result['original_run_id']} -> {result['new_run_id']}: {verdict}")
    for name in result["differences"]:
        print(f"  differs: {name}")
    if result.get("forced"):
        print("forced although: " + "; ".join(result["changes"]))


def cmd_rerun(options: argparse.Namespace) -> int:
    import asyncio

    from .stream import _consume, drive

    engine = _engine()
    op = engine.rerun(options.run_id, force=options.force)
    if not options.json:
        return drive(op, as_json=False, summary=_print_rerun)
    # --json: ``identical`` at the top level (false when the rerun failed or was refused).
    ok, result, error = asyncio.run(_consume(op, True))
    _print_json({"ok": ok, "error": error or None, "identical": bool(ok and result.get("identical")),
                 "differences": result.get("differences", []), "new_run_id": result.get("new_run_id"),
                 "original_run_id": options.run_id, "changes": result.get("changes", []), "result": result})
    return 0 if ok else 1


def cmd_pin(options: argparse.Namespace) -> int:
    manifest = _engine().pin_run(options.run_id, not options.unpin)
    pinned = manifest["record"]["pinned"]
    if options.json:
        _print_json({"run_id": options.run_id, "pinned": pinned})
    else:
        print(f"{options.run_id}: {'pinned' if pinned else 'not pinned'}")
    return 0


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("runs", help="run records: list, show, compare, rerun, pin",
                                  description="Every execution leaves a run record under log/execute/<target>/runs/.")
    sub = group.add_subparsers(dest="runs_command", metavar="ACTION")
    group.set_defaults(handler=lambda options: group.print_help() or 2)

    def add(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
        parser.set_defaults(handler=handler)
        return parser

    add("list", cmd_list, "the app's runs, newest first").add_argument("app")
    add("show", cmd_show, "one run's manifest").add_argument("run_id")
    parser = add("compare", cmd_compare, "args, environment, metrics, inputs and outputs of two runs")
    parser.add_argument("run_a")
    parser.add_argument("run_b")
    parser = add("rerun", cmd_rerun, "re-execute a run exactly and check its outputs hash by hash")
    parser.add_argument("run_id")
    parser.add_argument("--force", action="store_true", help="run even though the app sources or environment changed")
    parser = add("pin", cmd_pin, "keep a run out of retention pruning")
    parser.add_argument("run_id")
    parser.add_argument("--unpin", action="store_true", help="release the pin")
