"""The ``lab_stages.toml`` file (``agilab.lab_stages.v1``): lossless tomlkit edits and guarded atomic saves.

Edits are applied to the parsed tomlkit document, never to a re-serialised model, so comments, key order
and keys this program does not know (``NB_*`` provenance, automation, profiles, contracts) survive.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

from ..atomic import atomic_write_text, content_digest, file_lock
from ..errors import AgilabError, FileChangedError, SettingsError
from ..settings_read import parse_toml_text
from .lab_checks import check_lab
from .toml_text import is_simple, render_stage
from .toml_values import inline_item, int_array, new_table, plain, table_item

SCHEMA = "agilab.lab_stages.v1"
SCHEMA_VERSION = 1
META_KEY = "__meta__"
LAB_FILE_NAME = "lab_stages.toml"
LOCKED_KEY = "_orchestrate_locked_stage"
SNIPPET_SOURCE_KEY = "_orchestrate_snippet_source"


class StageError(AgilabError):
    """A stage operation names a module or stage that does not exist, or breaks a stage rule."""


class StageLockedError(StageError):
    """The stage was imported read-only from ORCHESTRATE; its code is not edited in place."""


def is_displayable(stage: Mapping[str, Any]) -> bool:
    """AGILab's rule: a stage is shown iff its question ``Q`` or its code ``C`` is non-empty."""
    return any(str(stage.get(key) or "").strip() for key in ("Q", "C"))


def is_locked(stage: Mapping[str, Any]) -> bool:
    """True for a read-only stage imported from an ORCHESTRATE snippet."""
    return bool(plain(stage.get(LOCKED_KEY, False)))


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf'^\s*(\[\[?\s*)?"?{re.escape(key)}"?\s*(=|\]\]?)', text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LabStagesFile:
    """One ``lab_stages.toml``: module-keyed arrays of stage tables plus ``[__meta__]``."""

    def __init__(self, path: Path, document: TOMLDocument, digest: str | None):
        self.path = path
        self._document: TOMLDocument | None = document
        self._saved_text = ""
        self._digest = digest

    @property
    def document(self) -> TOMLDocument:
        """The tomlkit document; after a bulk append it is parsed again only when someone needs it."""
        if self._document is None:
            self._document = self.parse_text(self.path, self._saved_text)
        return self._document

    @document.setter
    def document(self, document: TOMLDocument) -> None:
        self._document = document

    # --- load / save --------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str) -> LabStagesFile:
        """Parse ``path`` (a missing file is an empty lab, written on the first save).

        Raises:
            SettingsError: the file is not valid TOML or not shaped like a stages file (names file and line).
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path, tomlkit.document(), None)
        except IsADirectoryError as exc:
            raise SettingsError(path, "is a directory, not a stages file") from exc
        except OSError as exc:
            raise SettingsError(path, f"cannot be read: {exc.strerror or exc}") from exc
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SettingsError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        return cls(path, cls.parse_text(path, text), hashlib.sha256(data).hexdigest())

    @staticmethod
    def parse_text(path: Path, text: str) -> TOMLDocument:
        """Parse and check stages-file text as loading would, errors naming ``path`` and the line."""
        document = parse_toml_text(path, text)  # every tomlkit error (duplicate keys too) names the line
        for key, value in document.items():
            if key == META_KEY:
                if not isinstance(value, Table | InlineTable):
                    raise SettingsError(path, "must be a table", line=_line_of(text, key), key=key)
                schema = value.get("schema")
                if schema is not None and schema != SCHEMA:
                    raise SettingsError(path, f"unsupported schema '{schema}' (this program reads {SCHEMA})",
                                        line=_line_of(text, "schema"), key=f"{META_KEY}.schema")
                for meta_key, meta_value in value.items():
                    if meta_key.endswith("__sequence") and not (
                            isinstance(meta_value, list)
                            and all(isinstance(i, int) and not isinstance(i, bool) for i in meta_value)):
                        raise SettingsError(path, "must be a list of stage numbers",
                                            line=_line_of(text, meta_key), key=f"{META_KEY}.{meta_key}")
            elif isinstance(value, AoT):
                continue
            elif isinstance(value, Array) and not all(isinstance(v, InlineTable | Table | dict) for v in value):
                raise SettingsError(path, "every stage of a module must be a table",
                                    line=_line_of(text, key), key=key)
        modules = {key: list(value) for key, value in document.items()
                   if key != META_KEY and isinstance(value, AoT | Array)}
        meta = document.get(META_KEY)
        check_lab(path, text, modules, meta if isinstance(meta, Table | InlineTable) else None)
        return document

    @property
    def text(self) -> str:
        """The document as it would be saved."""
        return self.document.as_string()

    def changed_on_disk(self) -> bool:
        """True when the file on disk is no longer the one this object loaded (or last saved)."""
        return content_digest(self.path) != self._digest

    def reload(self) -> None:
        """Replace the in-memory document with the file on disk, dropping unsaved edits."""
        fresh = LabStagesFile.load(self.path)
        self.document, self._digest = fresh.document, fresh._digest

    def save(self) -> None:
        """Write the document atomically under the file lock.

        Raises:
            FileChangedError: the file changed on disk since it was loaded; call :meth:`reload` first.
            AgilabError: the edited document would not read back as valid TOML (nothing is written).
        """
        text = self.document.as_string()
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise AgilabError(f"{self.path}: refusing to save, the edited stages would not be valid TOML "
                              f"({exc})") from exc
        self._write_checked(text)

    def _write_checked(self, text: str) -> None:
        with file_lock(self.path):
            if content_digest(self.path) != self._digest:
                raise FileChangedError(self.path)
            atomic_write_text(self.path, text)
            self._digest = _digest(text)

    # --- reading ------------------------------------------------------------------------------
    def modules(self) -> list[str]:
        """Module keys holding stage arrays, in file order."""
        return [key for key, value in self.document.items()
                if key != META_KEY and isinstance(value, AoT | Array)]

    def _items(self, module: str) -> AoT | Array:
        value = self.document.get(module)
        if module == META_KEY or not isinstance(value, AoT | Array):
            known = ", ".join(self.modules()) or "none"
            raise StageError(f"{self.path}: no module '{module}' (modules: {known})")
        return value

    def _stage(self, module: str, index: int) -> Table | InlineTable:
        items = self._items(module)
        if not 0 <= index < len(items):
            raise StageError(f"{self.path}: module '{module}' has {len(items)} stage(s), no stage {index}")
        return items[index]  # type: ignore[no-any-return]

    def count(self, module: str) -> int:
        """Number of stage tables in ``module`` (0 when the module does not exist)."""
        return len(self._items(module)) if module in self.modules() else 0

    def stages(self, module: str) -> list[dict[str, Any]]:
        """Plain copies of the stages of ``module`` (empty when the module does not exist)."""
        if module not in self.modules():
            return []
        return [dict(plain(item)) for item in self._items(module)]

    def stage(self, module: str, index: int) -> dict[str, Any]:
        """A plain copy of one stage."""
        return dict(plain(self._stage(module, index)))

    def displayable_indices(self, module: str) -> list[int]:
        """Indices of the stages AGILab shows (``Q`` or ``C`` non-empty)."""
        return [i for i, stage in enumerate(self.stages(module)) if is_displayable(stage)]

    # --- editing ------------------------------------------------------------------------------
    def add_stage(self, module: str, stage: Mapping[str, Any], index: int | None = None) -> int:
        """Insert ``stage`` at ``index`` (append when None) and return its index.

        A new module is written as ``[[module]]`` tables; an existing one keeps its own style.
        """
        if module == META_KEY or not module:
            raise StageError(f"{self.path}: '{module}' cannot be a module key")
        if module not in self.document:
            self._add_module(module)
        items = self._items(module)
        position = len(items) if index is None else index
        if not 0 <= position <= len(items):
            raise StageError(f"{self.path}: cannot insert at {index} in module '{module}' "
                             f"({len(items)} stage(s))")
        table = new_table(stage, inline=isinstance(items, Array))
        if isinstance(table, Table):
            table.add(tomlkit.nl())
        items.insert(position, table)
        self._remap_sequence(module, lambda i: i + 1 if i >= position else i, appended=position)
        return position

    def add_stages(self, module: str, stages: Iterable[Mapping[str, Any]], *, replace: bool = False) -> int:
        """Append many stages at once (after removing the module's stages when ``replace``); return the count.

        The saved run order is rewritten once for the whole batch: rewriting it per stage made a
        20,000-cell notebook import quadratic.
        """
        if module == META_KEY or not module:
            raise StageError(f"{self.path}: '{module}' cannot be a module key")
        if module not in self.document:
            self._add_module(module)
        items = self._items(module)
        if replace:
            while len(items):
                del items[len(items) - 1]
        first = len(items)
        inline = isinstance(items, Array)
        for stage in stages:
            table = new_table(stage, inline=inline)
            if isinstance(table, Table):
                table.add(tomlkit.nl())
            items.append(table)
        meta = self.document.get(META_KEY)
        key = f"{module}__sequence"
        if meta is not None and key in meta:
            kept = [] if replace else [i for i in plain(meta[key]) if isinstance(i, int) and i < first]
            # Added stages join the saved run order, as add_stage does one at a time.
            meta[key] = int_array(kept + list(range(first, len(items))))
        return len(items)

    def append_and_save(self, module: str, stages: Iterable[Mapping[str, Any]], *, replace: bool = False) -> int:
        """:meth:`add_stages` then :meth:`save`, writing the new ``[[module]]`` tables as text.

        A notebook import appends thousands of stages; rendering them with tomlkit cost about 1 ms
        each, so they are rendered by :mod:`.toml_text` and spliced in where tomlkit puts a
        placeholder table.  The spliced text is re-read and compared with the stages before anything
        is written; inline (``module = [...]``) modules, stages with sub-tables, or any mismatch take
        the tomlkit path.
        """
        stages = [dict(stage) for stage in stages]
        spliced = self._text_with_appended(module, stages, replace)
        if spliced is None:
            count = self.add_stages(module, stages, replace=replace)
            self.save()
            return count
        text, count = spliced
        self._write_checked(text)
        self._document, self._saved_text = None, text
        return count

    def _text_with_appended(self, module: str, stages: list[dict[str, Any]],
                            replace: bool) -> tuple[str, int] | None:
        existing = self.document.get(module)
        if module == META_KEY or not module or isinstance(existing, Array) or not all(
                is_simple(value) for stage in stages for value in stage.values()):
            return None
        original = self.document.as_string()
        first = 0 if replace or not isinstance(existing, AoT) else len(existing)
        marker = f"agilab_tui_append_{uuid.uuid4().hex}"
        self.add_stages(module, [{marker: marker}], replace=replace)
        meta = self.document.get(META_KEY)
        sequence_key = f"{module}__sequence"
        if meta is not None and sequence_key in meta:
            kept = [i for i in plain(meta[sequence_key]) if i != first]
            meta[sequence_key] = int_array(kept + list(range(first, first + len(stages))))
        rendered = self.document.as_string()
        marker_line = f'{marker} = "{marker}"\n'
        at = rendered.index(marker_line)
        header_start = rendered.rfind("\n", 0, at - 1) + 1
        block = "".join(render_stage(rendered[header_start:at - 1], stage) for stage in stages)
        end = at + len(marker_line)
        if rendered.startswith("\n", end):
            end += 1  # the blank line add_stages leaves after a table; each rendered stage has its own
        text = rendered[:header_start] + block + rendered[end:]
        expected = [{key: list(value) if isinstance(value, tuple) else value
                     for key, value in stage.items() if value is not None} for stage in stages]
        try:
            written = tomllib.loads(text).get(module, [])
        except tomllib.TOMLDecodeError:
            written = None
        if written is None or len(written) != first + len(stages) or written[first:] != expected:
            self._document = self.parse_text(self.path, original)  # undo the placeholder; tomlkit path
            return None
        return text, len(written)

    def _add_module(self, module: str) -> None:
        meta = self.document.pop(META_KEY) if META_KEY in self.document else None
        self.document.append(module, tomlkit.aot())
        # Keep [__meta__] last, where AGILab writes it and readers look for it.
        if meta is not None:
            self.document.append(META_KEY, meta)
        self._meta()

    def update_stage(self, module: str, index: int, changes: Mapping[str, Any], *,
                     remove: Iterable[str] = (), allow_locked: bool = False) -> None:
        """Set the keys in ``changes`` and delete those in ``remove``; every other key is kept as it is.

        Raises:
            StageLockedError: the stage is an imported read-only snippet and its code would change.
        """
        table = self._stage(module, index)
        remove = list(remove)
        if is_locked(table) and not allow_locked and (
                ("C" in changes and plain(table.get("C")) != changes["C"]) or "C" in remove):
            raise StageLockedError(f"{self.path}: stage {index} of '{module}' was imported read-only "
                                   f"from {plain(table.get(SNIPPET_SOURCE_KEY, 'ORCHESTRATE'))}; "
                                   "re-import the snippet instead of editing it")
        convert = inline_item if isinstance(table, InlineTable) else table_item
        for key, value in changes.items():
            if value is None:
                remove.append(key)
            elif key not in table or plain(table[key]) != value:
                table[key] = convert(value)
        for key in remove:
            if key in table:
                del table[key]

    def remove_stage(self, module: str, index: int) -> dict[str, Any]:
        """Delete one stage and return its content."""
        removed = self.stage(module, index)
        del self._items(module)[index]
        self._remap_sequence(module, lambda i: None if i == index else (i - 1 if i > index else i))
        return removed

    def move_stage(self, module: str, source: int, target: int) -> None:
        """Move one stage to position ``target``; the saved run sequence follows the stages."""
        items = self._items(module)
        self._stage(module, source)
        if not 0 <= target < len(items):
            raise StageError(f"{self.path}: cannot move to {target} in module '{module}' ({len(items)} stage(s))")
        order = list(range(len(items)))
        order.insert(target, order.pop(source))
        item = items.pop(source)
        items.insert(target, item)
        new_position = {old: new for new, old in enumerate(order)}
        self._remap_sequence(module, new_position.get)

    def lock_stage(self, module: str, index: int, source: str) -> None:
        """Mark a stage as imported read-only from the snippet at ``source`` (AGILab's keys)."""
        self.update_stage(module, index, {LOCKED_KEY: True, SNIPPET_SOURCE_KEY: str(source)}, allow_locked=True)

    # --- [__meta__] ---------------------------------------------------------------------------
    def _meta(self) -> Table | InlineTable:
        meta = self.document.get(META_KEY)
        if meta is None:
            meta = tomlkit.table()
            meta["schema"] = SCHEMA
            meta["version"] = SCHEMA_VERSION
            self.document.append(META_KEY, meta)
            meta = self.document[META_KEY]
        return meta  # type: ignore[no-any-return]

    def sequence(self, module: str) -> list[int]:
        """The saved run order (``<module>__sequence``), or every stage in file order when none is saved."""
        saved = plain(self.document.get(META_KEY, {})).get(f"{module}__sequence")
        total = self.count(module)
        if saved is None:
            return list(range(total))
        return [i for i in saved if 0 <= i < total]

    def set_sequence(self, module: str, indices: Iterable[int]) -> None:
        """Save the run order: a subset of stage indices, each at most once."""
        chosen = list(indices)
        total = self.count(module)
        bad = [i for i in chosen if not isinstance(i, int) or not 0 <= i < total]
        if bad or len(set(chosen)) != len(chosen):
            raise StageError(f"{self.path}: sequence {chosen} for '{module}' must list distinct stages "
                             f"0-{total - 1}")
        self._meta()[f"{module}__sequence"] = chosen

    def _remap_sequence(self, module: str, mapping: Any, appended: int | None = None) -> None:
        meta = self.document.get(META_KEY)
        key = f"{module}__sequence"
        if meta is None or key not in meta:
            return
        remapped = [mapping(i) for i in plain(meta[key])]
        kept = [i for i in remapped if i is not None]
        # A stage added to a lab with a saved order joins the run; leaving it out would hide it silently.
        if appended is not None:
            kept.append(appended)
        meta[key] = int_array(kept)

    def automation(self, module: str) -> dict[str, Any]:
        """The saved automation settings (``profile``, ``max_workers``) of ``module``."""
        return dict(plain(self.document.get(META_KEY, {})).get(f"{module}__automation") or {})

    def set_automation(self, module: str, *, profile: str | None = None, max_workers: int | None = None) -> None:
        """Save the pipeline profile and the number of parallel stage workers (1-8)."""
        if max_workers is not None and (isinstance(max_workers, bool) or not 1 <= int(max_workers) <= 8):
            raise StageError(f"{self.path}: max_workers must be 1-8, got {max_workers}")
        if profile is not None and not str(profile).strip():
            raise StageError(f"{self.path}: the profile name cannot be empty")
        values = self.automation(module)
        if profile is not None:
            values["profile"] = str(profile)
        if max_workers is not None:
            values["max_workers"] = int(max_workers)
        self._meta()[f"{module}__automation"] = inline_item(values)
