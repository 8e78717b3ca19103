"""SSH passwords held in this process's memory only, for the hosts of a workspace.

The TUI asks for the password in a modal and hands it here; the CLI reads it from the terminal.
Nothing here is ever written to a file, a log, a record or MLflow: the value lives in a dict that
dies with the process, and ``repr`` of every holder hides it.
"""

from __future__ import annotations

from pathlib import Path

_PASSWORDS: dict[str, str] = {}


def _key(workspace_root: str | Path) -> str:
    return str(Path(workspace_root).resolve())


def remember_password(workspace_root: str | Path, password: str | None) -> None:
    """Keep (or with ``None``/empty, forget) the SSH password for this workspace's hosts."""
    if password:
        _PASSWORDS[_key(workspace_root)] = password
    else:
        _PASSWORDS.pop(_key(workspace_root), None)


def recall_password(workspace_root: str | Path) -> str | None:
    return _PASSWORDS.get(_key(workspace_root))


def has_password(workspace_root: str | Path) -> bool:
    return _key(workspace_root) in _PASSWORDS
