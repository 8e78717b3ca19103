"""Reading a settings file once: the bytes that are parsed are the bytes that are digested.

Parsing and digesting two separate reads let a write landing between them pass the save-time
compare-and-swap, so an acknowledged write could be overwritten silently.  Everything a user can
get wrong in the file (not a file, not UTF-8, empty, duplicate keys, a section that is not a table,
an unknown schema) is reported here as a :class:`SettingsError` naming the file, line and key.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import tomlkit
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import InlineTable, Table
from tomlkit.toml_document import TOMLDocument

from .errors import SettingsError

SCHEMA_PREFIX = "agilab.app_settings."
TABLE_SECTIONS = ("__meta__", "args", "cluster", "pages")


def read_text_once(path: Path) -> tuple[str, str]:
    """The file's text and the SHA-256 of exactly those bytes.

    Raises:
        SettingsError: the path is a folder, unreadable, or not UTF-8 text.
    """
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise SettingsError(path, "is a directory, not a settings file") from exc
    except PermissionError as exc:
        raise SettingsError(path, "cannot be read (permission denied)") from exc
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise SettingsError(path, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SettingsError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})", line=line) from exc
    if "\x00" in text:
        raise SettingsError(path, "binary content (NUL byte), not a TOML file", line=text[: text.index("\x00")].count("\n") + 1)
    return text, hashlib.sha256(data).hexdigest()


def _last_line_of_key(text: str, key: str) -> int | None:
    matches = list(re.finditer(rf'^\s*(\[\s*)?"?{re.escape(key)}"?\s*(=|\])', text, re.MULTILINE))
    return text.count("\n", 0, matches[-1].start()) + 1 if matches else None


def parse_toml_text(path: Path, text: str) -> TOMLDocument:
    """Parse TOML text, every tomlkit error becoming a :class:`SettingsError` with its line."""
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        raise SettingsError(path, f"invalid TOML: {exc}", line=exc.line) from exc
    except TOMLKitError as exc:
        key = getattr(exc, "key", None)
        match = re.search(r'Key "([^"]+)"', str(exc))
        name = key if isinstance(key, str) else (match.group(1) if match else None)
        line = _last_line_of_key(text, name) if name else None
        raise SettingsError(path, f"invalid TOML: {exc}", line=line, key=name) from exc


def check_settings_shape(path: Path, text: str, document: TOMLDocument) -> None:
    """Refuse an empty file, a known section that is not a table, and a schema this program cannot read."""
    if not document.body or all(key is None for key, _ in document.body):
        raise SettingsError(path, "empty settings file (expected at least [__meta__] or [args] / [cluster])")
    for section in TABLE_SECTIONS:
        if section in document and not isinstance(document[section], Table | InlineTable):
            kind = type(document[section].unwrap() if hasattr(document[section], "unwrap") else document[section])
            raise SettingsError(path, f"must be a table, not a {kind.__name__}",
                                line=_last_line_of_key(text, section), key=section)
    meta = document.get("__meta__")
    schema = meta.get("schema") if meta is not None else None
    if schema is not None:
        expected = f"{SCHEMA_PREFIX}v1"
        if str(schema) != expected:
            raise SettingsError(path, f"unsupported schema '{schema}' (this program reads {expected})",
                                line=_last_line_of_key(text, "schema"), key="__meta__.schema")
