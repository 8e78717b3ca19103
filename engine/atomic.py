"""Atomic, locked file writes: a reader never sees half a file and two writers never interleave."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import AgilabError


class FileWriteError(AgilabError, OSError):
    """A file could not be written (disk full, permissions); the message names the file.

    Still an :class:`OSError` (same ``errno``), so callers that handle OSError keep working.
    """

    def __str__(self) -> str:
        return str(self.strerror)


@contextlib.contextmanager
def file_lock(path: Path | str) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` for the duration of the block."""
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def atomic_write_bytes(path: Path | str, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename.

    Args:
        path: destination file; its folder is created when missing.
        data: the complete new content.
        mode: permission bits for the new file; the old file's bits are kept when None.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode is None and target.exists():
            mode = target.stat().st_mode & 0o7777
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise FileWriteError(exc.errno, f"cannot write {target}: {exc.strerror or exc}", str(target)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        # The bare OSError names the temporary file (or nothing): say which file could not be written.
        raise FileWriteError(exc.errno, f"cannot write {target}: {exc.strerror or exc}", str(target)) from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: Path | str, text: str, *, mode: int | None = None) -> None:
    """Text flavour of :func:`atomic_write_bytes` (UTF-8, newlines kept as given)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def content_digest(path: Path | str) -> str | None:
    """SHA-256 of a file's bytes, or None when it does not exist; used to detect changes on disk."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
