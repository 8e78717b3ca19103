"""App names and the identifiers derived from them, and their consistent rewrite across a project tree.

An app ``<target>_project`` names its code in four spellings: ``snake`` (packages, modules, settings
paths), ``Title`` (classes such as ``<Title>Worker``/``<Title>Args``), ``kebab`` (pyproject names) and
``UPPER`` (constants). Renaming rewrites every spelling in text files and in file and folder names,
and counts the replacements so the user sees exactly how much changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import AgilabError

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_SUFFIX = "_project"
_SKIPPED_DIRS = {"__pycache__", ".venv", "build", ".git", ".pytest_cache", ".mypy_cache"}
_MAX_TEXT_BYTES = 4 << 20


class ProjectError(AgilabError):
    """A project action (create, rename, delete, import, export, edit) was refused; the message says why."""


@dataclass(frozen=True)
class Spellings:
    """The four spellings of one target name."""

    snake: str

    @property
    def title(self) -> str:
        return "".join(part.capitalize() for part in self.snake.split("_"))

    @property
    def kebab(self) -> str:
        return self.snake.replace("_", "-")

    @property
    def upper(self) -> str:
        return self.snake.upper()


def normalise_app_name(raw: str) -> tuple[str, str]:
    """Return ``(project name, target)`` for a user-typed name (``demo`` or ``demo_project``).

    Raises:
        ProjectError: the name is not lower-case snake case starting with a letter.
    """
    name = raw.strip()
    target = name[: -len(_SUFFIX)] if name.endswith(_SUFFIX) else name
    if not _NAME.match(target) or target.endswith("_worker"):
        raise ProjectError(f"'{raw}' is not a valid app name: use lower-case letters, digits and single "
                           "underscores, starting with a letter (e.g. 'sales_forecast')")
    return f"{target}{_SUFFIX}", target


def _patterns(old: Spellings, new: Spellings) -> list[tuple[re.Pattern[str], str]]:
    # Lookarounds keep longer identifiers intact: 'minimal_app' matches in 'minimal_app_worker' but not in
    # 'minimal_apps', and 'MinimalApp' matches in 'MinimalAppWorker' but not in 'MinimalApple'.
    return [
        (re.compile(rf"(?<![A-Za-z0-9]){re.escape(old.snake)}(?![a-z0-9])"), new.snake),
        (re.compile(rf"(?<![A-Za-z0-9]){re.escape(old.upper)}(?![A-Z0-9])"), new.upper),
        (re.compile(rf"(?<![A-Za-z0-9]){re.escape(old.title)}(?![a-z0-9])"), new.title),
        (re.compile(rf"(?<![A-Za-z0-9-]){re.escape(old.kebab)}(?![a-z0-9])"), new.kebab),
    ]


def rewrite_text(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace every spelling of target ``old`` by the same spelling of ``new``; return text and count."""
    count = 0
    for pattern, replacement in _patterns(Spellings(old), Spellings(new)):
        text, n = pattern.subn(replacement, text)
        count += n
    return text, count


def _text_of(path: Path) -> str | None:
    if path.stat().st_size > _MAX_TEXT_BYTES:
        return None
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        return None


def project_files(root: Path) -> list[Path]:
    """Every file of a project tree, leaving out caches, build folders and virtual environments."""
    files: list[Path] = []
    for path in sorted(root.rglob("*")):
        if any(part in _SKIPPED_DIRS for part in path.relative_to(root).parts):
            continue
        if path.is_file() and not path.is_symlink():
            files.append(path)
    return files


def rewrite_tree(root: Path, old: str, new: str) -> int:
    """Rewrite identifiers of target ``old`` to ``new`` in a freshly copied tree; return the replacements.

    Text files are rewritten in place (the tree is a private copy not yet visible as an app), then files
    and folders whose names contain an old spelling are renamed, deepest first.
    """
    total = 0
    for path in project_files(root):
        text = _text_of(path)
        if text is None:
            continue
        updated, count = rewrite_text(text, old, new)
        if count:
            path.write_text(updated, "utf-8")
            total += count
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if any(part in _SKIPPED_DIRS for part in path.relative_to(root).parts):
            continue
        renamed, count = rewrite_text(path.name, old, new)
        if count:
            path.rename(path.with_name(renamed))
            total += count
    return total
