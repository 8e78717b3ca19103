"""Checking an MLflow file store before MLflow opens it.

MLflow retries a SQLAlchemy engine that cannot be created 15 times with exponential back-off
(about 101 s) before it reports anything, and its message does not say which file is wrong.  A
local ``sqlite:///`` store is checked here in milliseconds instead, and a bad one is refused with
an error naming the path.  Only stdlib ``sqlite3`` is used: no MLflow import.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import AgilabError


class TrackingStoreError(AgilabError):
    """The MLflow store cannot be opened; the message names its path and what is wrong."""


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI, or None for any other kind of store."""
    if not uri.startswith("sqlite:"):
        return None
    parsed = urlparse(uri)
    path = unquote(parsed.path)
    if path.startswith("//"):  # sqlite:////abs/path keeps one extra slash
        path = path[1:]
    return Path(path) if path and path != ":memory:" else None


def check_tracking_store(uri: str) -> None:
    """Refuse, within milliseconds, a local store MLflow could not open.

    Raises:
        TrackingStoreError: the database path is a folder, unreadable, not an SQLite file, or its
            folder cannot hold one.
    """
    db = sqlite_path(uri)
    if db is None:
        return
    hint = "fix or move it, or run without tracking (--no-track / AGILAB_TRACKING=none)"
    if db.exists() or db.is_symlink():
        if db.is_dir():
            raise TrackingStoreError(f"MLflow store {db}: is a directory, not an SQLite file; {hint}")
        if not os.access(db, os.R_OK | os.W_OK):
            raise TrackingStoreError(f"MLflow store {db}: cannot be read and written (permissions); {hint}")
        try:
            with open(db, "rb") as handle:
                header = handle.read(16)
        except OSError as exc:
            raise TrackingStoreError(f"MLflow store {db}: cannot be read ({exc.strerror or exc}); {hint}") from exc
        if header and header != b"SQLite format 3\x00":
            raise TrackingStoreError(f"MLflow store {db}: is not an SQLite database; {hint}")
        try:
            connection = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=5)
            try:
                connection.execute("PRAGMA schema_version").fetchone()
            finally:
                connection.close()
        except sqlite3.Error as exc:
            raise TrackingStoreError(f"MLflow store {db}: cannot be opened ({exc}); {hint}") from exc
        return
    parent = db.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise TrackingStoreError(f"MLflow store {db}: {probe} is not a folder; {hint}")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise TrackingStoreError(f"MLflow store {db}: cannot create it in {probe} (permissions); {hint}")
