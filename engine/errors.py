"""One exception hierarchy for everything the engine reports to a user."""

from __future__ import annotations

from pathlib import Path


class AgilabError(Exception):
    """Base of every error the engine raises on purpose; its message is shown to the user as-is."""


class SettingsError(AgilabError):
    """A settings or project file is malformed or fails validation.

    The message always names the file, and the line and key where they are known.
    """

    def __init__(self, path: Path | str, message: str, *, line: int | None = None, key: str | None = None):
        self.path = Path(path)
        self.line = line
        self.key = key
        where = str(self.path)
        if line is not None:
            where += f", line {line}"
        if key:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}")


class ModeError(AgilabError):
    """An execution mode is outside the known bits or not available on this host."""


class AppNotFoundError(AgilabError):
    """No bundled or workspace app carries the requested name."""


class InstallError(AgilabError):
    """Installing a worker environment failed; the message says which step."""


class RunError(AgilabError):
    """A run failed; the message says where."""


class FileChangedError(AgilabError):
    """A file changed on disk since it was loaded, so saving would lose someone else's edit."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        super().__init__(f"{self.path}: changed on disk since it was loaded; reload it before saving")
