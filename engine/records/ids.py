"""Run ids: UTC time to the second plus random hex, so folder names sort by start and never collide."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")


def new_run_id(now: datetime | None = None) -> str:
    """``20261201T191655-3f2a9c``: sortable as text; the suffix keeps same-second runs apart."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def is_run_id(text: str) -> bool:
    return bool(RUN_ID_PATTERN.match(text))
