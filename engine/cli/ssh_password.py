"""``--ask-password`` for commands that log in to worker hosts with ``auth_method = "password"``.

The password is read from the terminal without echo (or, when stdin is not a terminal, as one line
of stdin, for scripts) and handed to the engine's in-memory holder: never an argument, never an
environment variable, never written anywhere.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ask-password", action="store_true",
                        help="read the SSH password of the worker hosts (terminal without echo, else one stdin line)")


def apply(engine: Any, options: argparse.Namespace) -> None:
    if not getattr(options, "ask_password", False):
        return
    if sys.stdin.isatty():
        password = getpass.getpass("SSH password for the worker hosts: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        from ..errors import AgilabError

        raise AgilabError("--ask-password: no password was entered")
    engine.set_ssh_password(password)
