"""Names and relative paths that come from files (plans, archives, labs) must stay inside their folder.

A plan id becomes a folder name and an artefact path is joined under the data share; either one
carrying ``..`` or an absolute path would read or write anywhere on the machine.  Checks report a
message (so plan checking can name the field); :func:`contained` is the last line of defence where
a path is actually built.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .errors import AgilabError


class UnsafePathError(AgilabError):
    """A name or path from a file would lead outside the folder it belongs to."""


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be one folder or file name, or None when it can."""
    if not value or not value.strip():
        return "must not be empty"
    if "\x00" in value:
        return "must not contain a NUL byte"
    if "/" in value or "\\" in value:
        return f"'{value}' must be a plain name, without '/' or '\\\\'"
    if value in (".", ".."):
        return f"'{value}' is not a usable name"
    return None


def relative_path_problem(value: str) -> str | None:
    """Why ``value`` cannot be a path relative to (and inside) its base folder, or None when it can."""
    if "\x00" in value:
        return "must not contain a NUL byte"
    normalized = value.replace("\\", "/")
    if normalized.startswith(("/", "~")) or (len(normalized) > 1 and normalized[1] == ":"):
        return f"'{value}' must be a relative path inside the workspace data share, not an absolute one"
    if ".." in PurePosixPath(normalized).parts:
        return f"'{value}' must not leave its folder ('..')"
    return None


def contained(base: Path, *parts: str) -> Path:
    """``base / parts`` when it stays inside ``base``, else :class:`UnsafePathError`.

    The test is lexical: a symlink the user placed inside the folder (a data share mounted elsewhere)
    is theirs to follow; what is refused is a name from a file climbing out by itself.
    """
    for part in parts:
        problem = relative_path_problem(part)
        if problem:
            raise UnsafePathError(f"{base}: {problem}")
    path = base.joinpath(*parts)
    normal_base, normal = os.path.normpath(base), os.path.normpath(path)
    if normal != normal_base and not normal.startswith(normal_base.rstrip(os.sep) + os.sep):
        raise UnsafePathError(f"{path}: leads outside {base}")
    return path
