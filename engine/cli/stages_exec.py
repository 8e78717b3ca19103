"""``stages run``, ``stages export-notebook`` and ``stages import-notebook``: lab execution from a shell.

:func:`add_commands` adds the three commands to the ``stages`` sub-parser group; each one stores
its handler as ``handler`` (``handler(args) -> exit code``).  Stage numbers are 0-based, as in
``lab_stages.toml`` sequences and the exported notebook's ``run_agilab_stage(i)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AgilabError
from ..events import LogLines, OperationFailed, OperationFinished, Progress
from ..workspace import Workspace

if TYPE_CHECKING:  # asyncio and the operation machinery load only when a command runs
    from ..operation import Operation
    from ..stages_run.lab import Lab

EXIT_FAILED = 1
EXIT_CANCELLED = 130


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(getattr(args, "home", None))


def resolve_lab(target: str, workspace: Workspace) -> Lab:
    """A lab from a ``lab_stages.toml`` path, a folder holding one, or an app name."""
    from ..stages_run.lab import STAGES_FILE, Lab

    path = Path(target).expanduser()
    if path.is_dir():
        return Lab.from_file(path / STAGES_FILE)
    if path.suffix == ".toml" or path.exists():
        return Lab.from_file(path)
    return Lab.for_app(workspace, target)


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(text)


async def _drive(op: Operation, *, quiet_stdout: bool) -> tuple[bool, dict[str, Any], str]:
    """Stream an operation's log to the terminal and return (ok, result, error)."""
    log_stream = sys.stderr if quiet_stdout else sys.stdout
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines):
                stream = sys.stderr if event.source == "stderr" else log_stream
                for line in event.lines:
                    print(line if event.source in {"stdout", "stderr"} else f"[{event.source}] {line}",
                          file=stream, flush=True)
            elif isinstance(event, Progress) and event.step:
                print(f"[progress] {event.done}/{event.total} {event.step}", file=log_stream, flush=True)
            elif isinstance(event, OperationFinished):
                return True, event.result, ""
            elif isinstance(event, OperationFailed):
                return False, event.result, event.error
    return False, {}, "operation ended without a result"


def _cmd_run(args: argparse.Namespace) -> int:
    from ..stages_run.execute import run_pipeline, run_stage

    workspace = _workspace(args)
    lab = resolve_lab(args.target, workspace)
    stages: list[int] = args.stage or []

    async def main() -> tuple[bool, dict[str, Any], str]:
        if args.pipeline or not stages:
            return await _drive(run_pipeline(workspace, lab, stages or None, track=not args.no_track),
                                quiet_stdout=args.json)
        results: list[dict[str, Any]] = []
        for index in stages:
            ok, result, error = await _drive(run_stage(workspace, lab, index, track=args.track),
                                             quiet_stdout=args.json)
            results.extend(result.get("stages", []))
            if not ok:
                return False, {"stages": results, "failed_stage": index}, error
        return True, {"stages": results, "dataframe": str(lab.dataframe_file)}, ""

    try:
        import asyncio

        ok, result, error = asyncio.run(main())
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    payload = {"ok": ok, "lab": str(lab.stages_file), "error": error or None, **result}
    _emit(args, payload, f"{'ok' if ok else 'FAILED'}: {error or 'dataframe ' + str(result.get('dataframe'))}")
    return 0 if ok else EXIT_FAILED


def _cmd_export(args: argparse.Namespace) -> int:
    from ..stages_run.notebook_export import export_notebook

    lab = resolve_lab(args.target, _workspace(args))
    output = Path(args.output).expanduser() if args.output else None
    path = export_notebook(lab, path=output, overwrite_edits=args.force)
    _emit(args, {"ok": True, "notebook": str(path), "lab": str(lab.stages_file)}, f"wrote {path}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from ..stages_run.notebook_import import apply_import, preview_notebook_import

    preview = preview_notebook_import(args.notebook)
    lab = resolve_lab(args.into, _workspace(args))
    payload = {"ok": True, "lab": str(lab.stages_file), "applied": False, **preview.as_dict()}
    lines = [f"{preview.notebook}: {len(preview.stages)} stage(s) to merge into {lab.stages_file}"
             f"{' (supervisor export)' if preview.supervisor else ''}"]
    for position, stage in enumerate(preview.stages):
        first_line = (stage.get("C") or "").strip().splitlines()[:1]
        lines.append(f"  + {position}: {stage.get('D') or '(no description)'} | {first_line[0] if first_line else ''}")
    lines.extend(f"  warning: {warning}" for warning in preview.warnings)
    if args.apply and preview.stages:
        payload["stage_count_after"] = apply_import(preview, lab, replace=args.replace)
        payload["applied"] = True
        lines.append(f"merged: the lab now has {payload['stage_count_after']} stage(s)")
    elif not args.apply:
        lines.append("preview only; add --apply to merge")
    _emit(args, payload, "\n".join(lines))
    return 0


def _guard(handler: Any) -> Any:
    """Turn an engine error into a message on stderr and exit code 1 instead of a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except AgilabError as exc:
            if getattr(args, "json", False):
                print(json.dumps({"ok": False, "error": str(exc)}, indent=2))
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED

    return run


def add_commands(stages_subparsers: Any) -> None:
    """Add ``run``, ``export-notebook`` and ``import-notebook`` to the ``stages`` command group."""
    run = stages_subparsers.add_parser("run", help="run lab stages in subprocesses (tracked in MLflow)")
    run.add_argument("target", metavar="PATH_OR_APP", help="lab_stages.toml, its folder, or an app name")
    run.add_argument("--stage", type=int, action="append", metavar="N",
                     help="0-based stage to run (repeatable, run in the order given)")
    run.add_argument("--pipeline", action="store_true",
                     help="run as one pipeline (default when no --stage is given)")
    run.add_argument("--no-track", action="store_true", help="pipeline: do not record MLflow runs")
    run.add_argument("--track", action="store_true", help="single stages: record an MLflow run each")
    run.add_argument("--json", action="store_true", help="print the result as JSON (logs go to stderr)")
    run.set_defaults(handler=_guard(_cmd_run))

    export = stages_subparsers.add_parser("export-notebook", help="write the lab as a supervisor notebook")
    export.add_argument("target", metavar="PATH_OR_APP")
    export.add_argument("--output", metavar="FILE", help="default: lab_stages.ipynb beside lab_stages.toml")
    export.add_argument("--force", action="store_true", help="replace a notebook edited since its export")
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=_guard(_cmd_export))

    imp = stages_subparsers.add_parser("import-notebook", help="preview (and merge) a notebook's code cells")
    imp.add_argument("notebook", metavar="NOTEBOOK")
    imp.add_argument("--into", required=True, metavar="PATH_OR_APP", help="lab to merge into")
    imp.add_argument("--apply", action="store_true", help="write the stages into lab_stages.toml")
    imp.add_argument("--replace", action="store_true", help="with --apply: replace the lab's stages")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=_guard(_cmd_import))

    for sub in (run, export, imp):
        # SUPPRESS keeps a --home given to the top-level parser when it is not repeated here.
        sub.add_argument("--home", default=argparse.SUPPRESS, help="workspace root (AGILAB_TUI_HOME)")


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry (``python -m engine.cli.stages_exec``) until the lead's CLI wires the group."""
    parser = argparse.ArgumentParser(prog="agilab-tui stages")
    parser.add_argument("--home", help="workspace root (default: $AGILAB_TUI_HOME)")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
