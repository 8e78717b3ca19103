"""``agilab-tui`` entry point: the TUI by default, ``web`` to serve it in a browser, anything else to the CLI.

Textual is imported only on the TUI paths so that headless subcommands stay light.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from pathlib import Path

HOME_ENV = "AGILAB_TUI_HOME"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agilab-tui",
        description="Keyboard-driven terminal workbench (PROJECT, ORCHESTRATE, WORKFLOW, ANALYSIS). "
                    "Without a subcommand the TUI opens on the bundled demo app.",
    )
    parser.add_argument("--home", type=Path, help=f"workspace root (sets ${HOME_ENV})")
    return parser


def _help_text() -> str:
    """The usage, then every subcommand with one line each (the headless ones come from the CLI's parser)."""
    from engine.cli import command_summaries

    commands = [("(none)", "open the TUI on the active app (the bundled demo app at first)"),
                ("web", "serve the TUI in a web browser (textual-serve, loopback by default)"),
                *command_summaries()]
    width = max(len(name) for name, _ in commands) + 2
    lines = [_parser().format_help().rstrip(), "", "commands:"]
    lines += [f"  {name:<{width}}{summary}" for name, summary in commands]
    lines += ["", "Each command has its own --help; every headless command accepts --json."]
    return "\n".join(lines)


def _split_home(argv: list[str]) -> tuple[Path | None, list[str]]:
    """Take a leading ``--home PATH`` / ``--home=PATH`` off ``argv`` (it applies to every subcommand)."""
    home: Path | None = None
    rest: list[str] = []
    iterator = iter(argv)
    for arg in iterator:
        if arg == "--home":
            value = next(iterator, None)
            if value is None:
                _parser().error("--home needs a path")
            home = Path(value)
        elif arg.startswith("--home="):
            home = Path(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    return home, rest


def _serve(argv: list[str], home: Path | None) -> int:
    parser = argparse.ArgumentParser(prog="agilab-tui web", description="Serve the TUI in a web browser.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback by default)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    options = parser.parse_args(argv)
    import psutil
    from textual_serve.server import Server

    class _Server(Server):
        def request_exit(self) -> None:
            # A served app may ignore SIGTERM; the server's own shutdown would wait on it forever.
            for child in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            super().request_exit()

    command = [sys.executable, "-m", "tui"]
    if home is not None:
        command += ["--home", str(home.expanduser().resolve())]
    # textual-serve starts each session's app through /bin/sh: ``exec`` makes the launcher the server's
    # direct child, and the launcher gives the app a parent-death signal, so no session outlives the
    # server, even a SIGKILLed one.
    # -P: a ./workers folder where the server was started must not shadow ours
    launcher = [sys.executable, "-P", "-m", "workers.lifeline", *command]
    server = _Server("exec " + shlex.join(launcher), host=options.host, port=options.port, title="agilab-tui")
    server.serve()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script ``agilab-tui``."""
    args = list(sys.argv[1:] if argv is None else argv)
    home, rest = _split_home(args)
    if home is not None:
        os.environ[HOME_ENV] = str(home.expanduser().resolve())
    if rest and rest[0] in ("-h", "--help"):
        print(_help_text())
        return 0
    if rest and rest[0] == "web":
        return _serve(rest[1:], home)
    if rest:
        from engine.cli import main as cli_main

        raise SystemExit(cli_main(rest))
    from tui.app import make_app

    make_app().run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
