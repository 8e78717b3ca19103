"""The line protocol a runner speaks on stdout: ``@@agilab:<kind> <json>`` among ordinary log lines."""

from __future__ import annotations

import json
import sys
from typing import Any

PREFIX = "@@agilab:"


def emit(kind: str, payload: dict[str, Any]) -> None:
    sys.stdout.write(f"{PREFIX}{kind} {json.dumps(payload, default=str)}\n")
    sys.stdout.flush()


def parse(line: str) -> tuple[str, dict[str, Any]] | None:
    """Return ``(kind, payload)`` for a protocol line, None for an ordinary log line."""
    if not line.startswith(PREFIX):
        return None
    kind, _, body = line[len(PREFIX):].partition(" ")
    try:
        return kind, json.loads(body) if body else {}
    except json.JSONDecodeError:
        return None
