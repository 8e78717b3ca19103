"""The OpenAI API key: read from the settings, the environment or the workspace secrets file (0600 only)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import ParseError

from ..atomic import atomic_write_text, file_lock
from ..workspace import Workspace
from .errors import MissingApiKeyError, SecretsFileError

API_KEY_ENV = "OPENAI_API_KEY"
SECRETS_TABLE = "openai"
SECRETS_KEY = "api_key"
SECRETS_MODE = 0o600


@dataclass(frozen=True)
class ApiKeyStatus:
    """Whether a usable key exists, where it comes from, and what is wrong when it cannot be used."""

    present: bool
    source: str | None = None
    """``"environment"`` or ``"secrets file"`` when present."""
    problem: str | None = None
    """Why the secrets file cannot be used (unsafe permissions, broken TOML), if it cannot."""


def read_secrets_key(path: Path) -> str | None:
    """The key stored in a secrets file, None when the file or the key is absent.

    Raises:
        SecretsFileError: when the file is group/world accessible or not valid TOML.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & 0o077:
        raise SecretsFileError(
            f"{path} is accessible by group or others (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"refusing to read an API key from it. Fix it with: chmod 600 {path}"
        )
    try:
        document = tomlkit.parse(path.read_text("utf-8"))
    except ParseError as exc:
        # The parser's message can quote file content, which may be part of a key; give the line only.
        raise SecretsFileError(f"{path}: not valid TOML (line {exc.line})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsFileError(f"{path}: cannot be read ({type(exc).__name__})") from None
    table = document.get(SECRETS_TABLE)
    value = table.get(SECRETS_KEY) if isinstance(table, dict) else None
    return str(value) if isinstance(value, str) and value.strip() else None


def resolve_api_key(explicit: str | None, workspace: Workspace | None) -> tuple[str, str]:
    """The key to use and its source: an explicit key, then ``OPENAI_API_KEY``, then the secrets file.

    Raises:
        MissingApiKeyError: when none of them holds a key.
        SecretsFileError: when only the secrets file could provide one and it is unsafe or broken.
    """
    if explicit:
        return explicit, "settings"
    from_env = os.environ.get(API_KEY_ENV, "").strip()
    if from_env:
        return from_env, "environment"
    if workspace is not None:
        stored = read_secrets_key(workspace.secrets_file)
        if stored:
            return stored, "secrets file"
    where = f" or in {workspace.secrets_file}" if workspace is not None else ""
    raise MissingApiKeyError(
        f"no OpenAI API key: set {API_KEY_ENV}{where} (or use the offline action builder, which needs no key)"
    )


def api_key_status(workspace: Workspace) -> ApiKeyStatus:
    """Where a key would come from, without returning the key itself."""
    if os.environ.get(API_KEY_ENV, "").strip():
        return ApiKeyStatus(True, "environment")
    try:
        stored = read_secrets_key(workspace.secrets_file)
    except SecretsFileError as exc:
        return ApiKeyStatus(False, problem=str(exc))
    return ApiKeyStatus(True, "secrets file") if stored else ApiKeyStatus(False)


def api_key_present(workspace: Workspace) -> bool:
    """True when a usable key is in the environment or in a safe secrets file."""
    return api_key_status(workspace).present


def save_api_key(workspace: Workspace, key: str) -> Path:
    """Store the key in the workspace secrets file, written atomically with mode 0600.

    Other tables of the file are kept. Returns the file's path.

    Raises:
        SecretsFileError: when the key is empty or spans several lines, or the file is not valid TOML.
    """
    cleaned = key.strip()
    if not cleaned or any(char.isspace() for char in cleaned):
        raise SecretsFileError("an API key must be one word without spaces or line breaks")
    path = workspace.secrets_file
    with file_lock(path):
        document = _load_for_update(path)
        table = document.get(SECRETS_TABLE)
        if not isinstance(table, dict):
            table = tomlkit.table()
            document[SECRETS_TABLE] = table
        table[SECRETS_KEY] = cleaned
        atomic_write_text(path, tomlkit.dumps(document), mode=SECRETS_MODE)
    return path


def delete_api_key(workspace: Workspace) -> bool:
    """Remove the stored key (other tables are kept); True when there was one."""
    path = workspace.secrets_file
    with file_lock(path):
        document = _load_for_update(path)
        table = document.get(SECRETS_TABLE)
        if not isinstance(table, dict) or SECRETS_KEY not in table:
            return False
        del table[SECRETS_KEY]
        atomic_write_text(path, tomlkit.dumps(document), mode=SECRETS_MODE)
    return True


def _load_for_update(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text("utf-8"))
    except FileNotFoundError:
        return tomlkit.document()
    except ParseError as exc:
        raise SecretsFileError(f"{path}: not valid TOML (line {exc.line}); fix or remove it first") from None
