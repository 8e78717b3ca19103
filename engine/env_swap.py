"""Worker environments are built aside, then swapped in: a failed reinstall leaves the previous one usable.

The build happens in ``<wenv>/.building`` (same filesystem, so swapping is a rename, never a copy);
the venv is created relocatable and the source link is relative, so nothing in it names the build
folder. Only a complete, preflighted build replaces the live ``.venv`` and ``src``; the previous ones
are parked in ``.previous`` for the instant of the swap and restored if a crash interrupted it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

BUILDING = ".building"
PREVIOUS = ".previous"
SWAPPED = (".venv", "src")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def recover(root: Path) -> list[str]:
    """Undo an interrupted swap, or finish one that only missed its clean-up; drop a stale build.

    The venv and the sources go back together: a crash between the two moves into place must not
    leave the new venv running the old sources. Returns the names put back.
    """
    restored = []
    previous = root / PREVIOUS
    if previous.is_dir():
        complete = all(os.path.lexists(root / name) for name in SWAPPED)
        parked = [name for name in SWAPPED if os.path.lexists(previous / name)]
        if not complete and parked:
            for name in parked:
                _remove(root / name)  # a new one already moved in, paired with nothing
                os.rename(previous / name, root / name)
                restored.append(name)
        shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(root / BUILDING, ignore_errors=True)
    return restored


def building_root(root: Path) -> Path:
    """A fresh, empty build folder inside ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    recover(root)
    build = root / BUILDING
    build.mkdir()
    return build


def swap_in(build: Path, root: Path) -> None:
    """Replace ``root``'s venv and sources by the build's; the caller writes the new stamp afterwards."""
    previous = root / PREVIOUS
    shutil.rmtree(previous, ignore_errors=True)
    previous.mkdir()
    for name in SWAPPED:
        if (root / name).exists() or (root / name).is_symlink():
            os.rename(root / name, previous / name)
    for name in SWAPPED:
        os.rename(build / name, root / name)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(build, ignore_errors=True)


def discard(build: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(build)
