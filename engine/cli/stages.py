"""``stages`` CLI group: list a lab's stages, convert generated snippets, refresh outdated templates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AgilabError

if TYPE_CHECKING:
    from ..stages import LabStagesFile

# ``engine.stages`` (pydantic, the converter) is imported by the handlers only: building the CLI parser stays light.


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``stages list``, ``stages convert`` and ``stages refresh`` to a parent parser's subparsers."""
    parser = subparsers.add_parser("stages", help="WORKFLOW stages in lab_stages.toml")
    group = parser.add_subparsers(dest="stages_command", required=True)

    listing = group.add_parser("list", help="list the stages of a lab with their template status")
    listing.add_argument("target", metavar="PATH_OR_APP", help="a lab_stages.toml, its folder, or an app name")
    listing.set_defaults(func=run_list)

    convert = group.add_parser("convert", help="turn generated snippets into template stages (preview first)")
    convert.add_argument("target", metavar="PATH", help="a lab_stages.toml or its folder")
    convert.add_argument("--apply", action="store_true", help="write the conversion (default: preview only)")
    convert.set_defaults(func=run_convert)

    refresh = group.add_parser("refresh", help="re-render an outdated template stage (preview first)")
    refresh.add_argument("target", metavar="PATH_OR_APP", help="a lab_stages.toml, its folder, or an app name")
    refresh.add_argument("index", type=int, help="stage number (0-based, as listed)")
    refresh.add_argument("--apply", action="store_true", help="write the refreshed stage (default: preview)")
    refresh.set_defaults(func=run_refresh)

    refresh_args = group.add_parser("refresh-args", help="refresh a template stage that is stale against its "
                                    "app's args model: drop the stale arguments (preview first)")
    refresh_args.add_argument("target", metavar="PATH_OR_APP", help="a lab_stages.toml, its folder, or an app name")
    refresh_args.add_argument("index", type=int, help="stage number (0-based, as listed)")
    refresh_args.add_argument("--apply", action="store_true", help="write the refreshed stage (default: preview)")
    refresh_args.set_defaults(func=run_refresh_args)

    for sub in (listing, convert, refresh, refresh_args):
        sub.add_argument("--module", help="module key inside the file (default: every module / the app's)")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        # SUPPRESS keeps a --home given to the top-level parser when it is not repeated here.
        sub.add_argument("--home", default=argparse.SUPPRESS, help="workspace root (AGILAB_TUI_HOME)")
    from .stages_exec import add_commands

    add_commands(group)  # run, export-notebook, import-notebook
    return parser


def resolve_lab(target: str, home: str | None = None) -> tuple[Path, str | None]:
    """The lab file for a path or an app name, and the module key implied by an app name."""
    from ..stages import LAB_FILE_NAME

    path = Path(target).expanduser()
    if path.is_dir():
        return path / LAB_FILE_NAME, None
    if path.exists() or path.suffix == ".toml" or "/" in target:
        if not path.exists():
            raise AgilabError(f"{path}: no such lab file")
        return path, None
    from ..workspace import Workspace

    workspace = Workspace(home)
    app = workspace.app(target)
    exported = workspace.export_dir(app) / LAB_FILE_NAME
    seeded = app.path / LAB_FILE_NAME
    return (exported if exported.exists() or not seeded.exists() else seeded), app.module


def _modules(lab: LabStagesFile, requested: str | None, implied: str | None) -> list[str]:
    if requested:
        return [requested]
    if implied and implied in lab.modules():
        return [implied]
    return lab.modules()


def _stage_row(lab: LabStagesFile, module: str, index: int, stage: dict[str, Any]) -> dict[str, Any]:
    from ..stages import NotConvertible, is_displayable, is_locked, recognise_stage, stage_status

    state = stage_status(stage)
    try:
        recognise_stage(stage)
        convertible = True
    except NotConvertible:
        convertible = False
    return {
        "module": module,
        "index": index,
        "description": str(stage.get("D") or ""),
        "question": str(stage.get("Q") or ""),
        "displayable": is_displayable(stage),
        "in_sequence": index in lab.sequence(module),
        "locked": is_locked(stage),
        "status": state.status.value,
        "template_id": state.template_id,
        "saved_version": state.saved_version,
        "current_version": state.current_version,
        "reason": state.reason,
        "convertible": convertible,
        "runtime": str(stage.get("R") or ""),
    }


def run_list(args: argparse.Namespace) -> int:
    """Print every stage with its template status."""
    from ..stages import LabStagesFile

    path, implied = resolve_lab(args.target, getattr(args, "home", None))
    lab = LabStagesFile.load(path)
    rows = [_stage_row(lab, module, index, stage)
            for module in _modules(lab, args.module, implied)
            for index, stage in enumerate(lab.stages(module))]
    _add_app_args(rows, lab, getattr(args, "home", None))
    if args.json:
        print(json.dumps({"path": str(path), "stages": rows}, indent=2))
        return 0
    print(f"{path}")
    for row in rows:
        flags = "".join(("L" if row["locked"] else "-", "S" if row["in_sequence"] else "-",
                         "D" if row["displayable"] else "-"))
        version = ""
        if row["template_id"]:
            version = f" {row['template_id']} v{row['saved_version']}"
            if row["status"] == "outdated":
                version += f" (registry v{row['current_version']})"
        title = (row["description"] or row["question"] or "").splitlines()[0:1]
        print(f"{row['module']}[{row['index']}] {flags} {row['status']:<16}{version}  {''.join(title)}")
        if row.get("app_args"):
            print(f"    ! {row['app_args']['reason']}; fix: {row['app_args']['fix']}")
    return 0


def _add_app_args(rows: list[dict[str, Any]], lab: LabStagesFile, home: str | None) -> None:
    """Flag stages whose app arguments are stale against the app's current model (from its manager env)."""
    from ..stages.app_args_check import check_stage, schema_lookup
    from ..workspace import Workspace

    lookup = schema_lookup(Workspace(home))
    for row in rows:
        issue = check_stage(row["index"], lab.stage(row["module"], row["index"]), lookup)
        row["app_args"] = issue.to_dict() if issue else None
        if issue:
            row["stale_against_app"] = True


def run_refresh_args(args: argparse.Namespace) -> int:
    """Preview (or with ``--apply`` write) the refresh of a stage that is stale against its app."""
    from ..stages import LabStagesFile, apply_refresh
    from ..stages.app_args_check import check_stage, refresh_against_app, schema_lookup
    from ..workspace import Workspace

    path, implied = resolve_lab(args.target, getattr(args, "home", None))
    lab = LabStagesFile.load(path)
    modules = _modules(lab, args.module, implied)
    if len(modules) != 1:
        raise AgilabError(f"{path}: several modules ({', '.join(modules)}); choose one with --module")
    module = modules[0]
    stage = lab.stage(module, args.index)
    issue = check_stage(args.index, stage, schema_lookup(Workspace(getattr(args, "home", None))))
    if issue is None:
        print(json.dumps({"path": str(path), "changed": False}) if args.json
              else f"{path}: {module}[{args.index}] matches its app's args model")
        return 0
    refresh = refresh_against_app(stage, issue)
    if args.apply and refresh.changed:
        apply_refresh(lab, module, args.index, refresh)
        lab.save()
    if args.json:
        print(json.dumps({"path": str(path), "module": module, "index": args.index, "applied": bool(args.apply),
                          "changed": refresh.changed, "dropped": issue.unknown, "diff": refresh.diff}, indent=2))
        return 0
    print(refresh.diff, end="")
    print(f"{path}: {'refreshed' if args.apply else 'would refresh (run again with --apply)'} {module}[{args.index}]: "
          f"drops {', '.join(issue.unknown)}")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    """Preview (or with ``--apply`` write) the conversion of generated snippets into template stages."""
    from ..stages import LabStagesFile, apply_conversion, preview_conversion

    path, _ = resolve_lab(args.target, getattr(args, "home", None))
    lab = LabStagesFile.load(path)
    previews = preview_conversion(lab, module=args.module)
    if args.apply:
        apply_conversion(lab, previews)
    if args.json:
        print(json.dumps({"path": str(path), "applied": bool(args.apply), "stages": [
            {"module": p.module, "index": p.index, "diff": p.diff} for p in previews]}, indent=2))
        return 0
    for preview in previews:
        print(preview.diff, end="")
    verb = "converted" if args.apply else "would convert (run again with --apply to write)"
    print(f"{path}: {verb} {len(previews)} stage(s)")
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    """Preview (or with ``--apply`` write) the refresh of one template stage from the current registry."""
    from ..stages import LabStagesFile, apply_refresh, refresh_from_template

    path, implied = resolve_lab(args.target, getattr(args, "home", None))
    lab = LabStagesFile.load(path)
    modules = _modules(lab, args.module, implied)
    if len(modules) != 1:
        raise AgilabError(f"{path}: several modules ({', '.join(modules)}); choose one with --module")
    module = modules[0]
    refresh = refresh_from_template(lab.stage(module, args.index))
    if args.apply and refresh.changed:
        apply_refresh(lab, module, args.index, refresh)
        lab.save()
    if args.json:
        print(json.dumps({"path": str(path), "module": module, "index": args.index, "applied": bool(args.apply),
                          "changed": refresh.changed, "diff": refresh.diff}, indent=2))
        return 0
    print(refresh.diff or f"{path}: {module}[{args.index}] is already current", end="\n" if not refresh.diff else "")
    if refresh.changed:
        print(f"{path}: {'refreshed' if args.apply else 'would refresh (run again with --apply)'} "
              f"{module}[{args.index}]")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the group on its own (``python -m engine.cli.stages``); errors exit 1 with a one-line message."""
    parser = argparse.ArgumentParser(prog="agilab-tui")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["stages", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args))
    except AgilabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
