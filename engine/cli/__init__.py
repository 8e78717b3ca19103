"""Headless command line: ``agilab-tui <group> ...``; each group registers itself from its own module."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from ..errors import AgilabError

# Each module exposes register(subparsers); missing optional groups are simply not offered.
GROUP_MODULES = ("apps", "stages", "dag", "serve", "project", "assistant", "analysis", "notebook", "runs", "settings", "agilab")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The CLI parser. Given ``argv``, groups are registered only up to the one owning its command: the
    modules after it are not imported (a one-command start stays short); the full parser otherwise."""
    parser = argparse.ArgumentParser(prog="agilab-tui", description="Terminal workbench for AGILab-style apps. "
                                     "Without a command, opens the TUI.")
    parser.add_argument("--home", help="workspace root (default: $AGILAB_TUI_HOME or ~/.local/share/agilab-tui)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _command_of(argv) if argv is not None else None
    for name in GROUP_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(subparsers)
        if wanted is not None and wanted in subparsers.choices:
            break
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named by ``argv``, or None when an option comes first (``-h``: the full parser answers)."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--home":
            next(tokens, None)
        elif not token.startswith("--home="):
            return None if token.startswith("-") else token
    return None


def command_summaries() -> list[tuple[str, str]]:
    """Every subcommand with its one-line help, in registration order (for ``agilab-tui --help``)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [(action.dest, action.help or "") for action in commands._choices_actions]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args)
    options = parser.parse_args(args)
    if options.home:
        os.environ["AGILAB_TUI_HOME"] = options.home
    # Group modules set either ``handler`` or ``func`` as their argparse default.
    handler = getattr(options, "handler", None) or getattr(options, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code = int(handler(options) or 0)
        _finish_tracking()
        return code
    except AgilabError as exc:
        if getattr(options, "json", False):  # a --json caller parses stdout, failures included
            print(json.dumps({"ok": False, "error": str(exc)}, indent=2))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _finish_tracking() -> None:
    """Log the records of this command to MLflow before the process ends (it was done in a thread)."""
    if "engine.records.mlflow_sync" not in sys.modules:  # nothing was queued; importing it would load asyncio
        return
    from ..records.mlflow_sync import pending_count, wait_pending

    if pending_count():
        print(f"tracking: logging {pending_count()} run record(s) to MLflow...", file=sys.stderr, flush=True)
        wait_pending(None)
