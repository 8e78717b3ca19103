"""How a headless command answers: a JSON document with ``--json``, readable lines otherwise.

Kept free of heavy imports: every command module imports it at start-up.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any


def add_json_flag(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")


def answer(as_json: bool, payload: Any, lines: Callable[[], Iterable[str]] | None = None) -> int:
    """Print ``payload`` as JSON, or the text ``lines`` built from it; exit code 0."""
    if as_json:
        print(json.dumps(payload, indent=2, default=str))
    elif lines is not None:
        for line in lines():
            print(line)
    return 0


def fail(as_json: bool, error: str, code: int = 1) -> int:
    """Report an error the same way as the streamed operations do (JSON on stdout, text on stderr)."""
    if as_json:
        print(json.dumps({"ok": False, "error": error}, indent=2))
    else:
        print(f"error: {error}", file=sys.stderr)
    return code
