"""Run ids: UTC time to the second plus random hex, so folder names sort by start.

Three random bytes alone collide often enough to matter: 2,000 ids drawn in one second repeat one with a
probability of about 11 %. So a process never hands out the same id twice (it remembers the suffixes of the
current second), and a record whose folder another process took already draws a new id
(``RecordWriter._start_files``).
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import UTC, datetime

RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")


_issued: tuple[str, set[str]] = ("", set())
"""The second the last id was drawn in, and the suffixes drawn in it."""
_issued_lock = threading.Lock()


def new_run_id(now: datetime | None = None) -> str:
    """``20261201T191655-3f2a9c``: sortable as text; the suffix keeps same-second runs apart."""
    global _issued
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    with _issued_lock:
        if _issued[0] != stamp:
            _issued = (stamp, set())
        taken = _issued[1]
        suffix = secrets.token_hex(3)
        while suffix in taken:
            suffix = secrets.token_hex(3)
        taken.add(suffix)
    return f"{stamp}-{suffix}"


def is_run_id(text: str) -> bool:
    return bool(RUN_ID_PATTERN.match(text))
