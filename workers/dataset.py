"""Generated datasets appear whole or not at all.

Generation writes into a hidden sibling folder on the same filesystem, records every file's size
and SHA-256 in a marker, then moves the set into place; a failure (a full disk, a kill) leaves no
half-written file where a later run would take it for data. Before reuse, a generated set is
checked against its marker, and a damaged one is regenerated.

Shipped to every worker host with the runtime; apps' managers import it (``from workers.dataset``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

MARKER = ".agilab_generated.json"
_STAGING = ".generating-"


class DatasetError(RuntimeError):
    """Generating a dataset failed; nothing of it was kept. The message names the folder and the file."""


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _marker_files(folder: Path) -> dict[str, dict[str, object]] | None:
    try:
        data = json.loads((folder / MARKER).read_text("utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files if isinstance(files, dict) else None


def generated_set_intact(folder: Path) -> bool:
    """A marker exists and every file it lists is there with its recorded size (hashes: see verify)."""
    files = _marker_files(folder)
    if not files:
        return False
    for name, info in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != info.get("size"):
            return False
    return True


def dataset_ready(folder: Path, pattern: str = "*.csv") -> bool:
    """Whether ``folder`` holds data to reuse: an intact generated set, or files someone else put there.

    Files without a marker are the user's own data and are used as they are; a generated set whose
    files no longer match the marker (cut short, edited, partly deleted) is not ready.
    """
    if (folder / MARKER).exists():
        return generated_set_intact(folder)
    return folder.is_dir() and any(folder.glob(pattern))


def _clear_stale_staging(folder: Path) -> None:
    for stale in folder.parent.glob(f".{folder.name}{_STAGING}*"):
        pid = stale.name.rsplit("-", 2)[-2] if stale.name.count("-") >= 2 else ""
        alive = False
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                alive = int(pid) != os.getpid()
            except (ProcessLookupError, PermissionError):
                alive = False
        if not alive:
            shutil.rmtree(stale, ignore_errors=True)


def _remove_damaged_set(folder: Path) -> None:
    for name in _marker_files(folder) or {}:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    (folder / MARKER).unlink(missing_ok=True)


def generate_dataset(folder: Path, write: Callable[[Path], None], log: Callable[[str], None] = print) -> None:
    """Call ``write(staging_folder)``, then move what it wrote into ``folder`` as one set with its marker.

    Raises :class:`DatasetError` naming the folder and the file being written when anything fails
    (ENOSPC included); the staging folder is removed, so nothing partial is ever left in ``folder``.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    _clear_stale_staging(folder)
    if (folder / MARKER).exists():
        log(f"the generated data in {folder} is incomplete or changed: generating it again")
        _remove_damaged_set(folder)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}{_STAGING}{os.getpid()}-", dir=folder.parent))
    try:
        write(staging)
        files = {}
        for path in sorted(p for p in staging.iterdir() if p.is_file()):
            # fsync so a full disk surfaces here (delayed allocation) and not after the marker says "whole"
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())
            files[path.name] = {"size": path.stat().st_size, "sha256": _digest(path)}
        with open(staging / MARKER, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"files": files}, indent=2))
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(staging, folder, list(files))
    except OSError as exc:
        message = _describe(exc, folder, staging)
        shutil.rmtree(staging, ignore_errors=True)
        raise DatasetError(message) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _move_into_place(staging: Path, folder: Path, names: list[str]) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # only succeeds when empty: then the whole set appears in one rename
    if not folder.exists():
        os.rename(staging, folder)
        return
    # The folder holds other things: files move one by one (same filesystem, so each is atomic), the
    # marker last, so a set without its marker is never taken for a complete one.
    for name in names:
        os.replace(staging / name, folder / name)
    os.replace(staging / MARKER, folder / MARKER)
    shutil.rmtree(staging, ignore_errors=True)


def _describe(exc: OSError, folder: Path, staging: Path) -> str:
    target = exc.filename
    if target and str(target).startswith(str(staging)):
        target = folder / Path(target).name
    if not target:
        # write() and close() errors carry no file name: the newest staged file is the one being written.
        with contextlib.suppress(OSError, ValueError):
            newest = max((p for p in staging.iterdir()), key=lambda p: p.stat().st_mtime_ns)
            target = folder / newest.name
    reason = exc.strerror or str(exc)
    where = f" while writing {target}" if target else ""
    return (f"generating the dataset in {folder} failed: {reason} (errno {exc.errno}){where}; "
            "nothing was kept, the next run generates it again")
