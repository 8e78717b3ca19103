"""The WORKFLOW page's thread-side work: one lab's ``lab_stages.toml`` read and written through the engine.

Every method here blocks (file reads, atomic locked writes, pandas reads), so the page only calls them
through ``app.call_engine``. They share one parsed document, hence the lock. The page never touches that
document: it renders the immutable :class:`LabSnapshot` each call returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from engine.facade import Engine
    from engine.operation import Operation
    from engine.stages import ConversionPreview, LabStagesFile, TemplateRefresh
    from engine.stages_run import ImportPreview, Lab

PREVIEW_ROWS = 20
BADGES = {"current": "current", "outdated": "outdated", "raw_python": "raw", "unknown_template": "unknown",
          "newer": "newer"}
RUN_SNIPPET = "ORCHESTRATE run snippet"
T = TypeVar("T")


@dataclass(frozen=True)
class StageInfo:
    """One saved stage and what the page shows about it."""

    index: int
    stage: dict[str, Any]
    status: str
    """``current``, ``outdated``, ``raw_python`` or ``unknown_template`` (engine.stages.StageStatus)."""
    reason: str
    locked: bool
    template: bool
    code: str
    """What the stage runs: the rendering of a current template, else its saved ``C``."""
    code_error: str = ""
    app_stale: str = ""
    """Why the stage is stale against its app's current args model (with the fix), else ""."""

    @property
    def badge(self) -> str:
        return "stale" if self.app_stale else BADGES.get(self.status, self.status)

    @property
    def title(self) -> str:
        text = str(self.stage.get("D") or self.stage.get("Q") or "").strip()
        return text.splitlines()[0] if text else "(no description)"

    @property
    def code_editable(self) -> bool:
        """Imported stages are read-only; a template's Python is a rendered view of its payload."""
        return not self.locked and not self.template

    def value(self, key: str) -> str:
        return str(self.stage.get(key) or "")


@dataclass(frozen=True)
class DataPreview:
    """The first rows of ``lab_out.csv`` as text cells."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    more: bool


@dataclass(frozen=True)
class BrokenFile:
    """A stages file that does not load: its raw text and the error, so HISTORY can repair it."""

    path: Path
    text: str
    error: str


@dataclass(frozen=True)
class LabSnapshot:
    """The lab as last read or written: what every WORKFLOW panel renders."""

    app: str
    module: str
    path: Path
    stages: tuple[StageInfo, ...]
    sequence: tuple[int, ...]
    text: str


def _stage_info(index: int, stage: dict[str, Any], lookup: Any = None) -> StageInfo:
    from engine.stages import is_locked, is_template_stage, stage_code, stage_status
    from engine.stages.app_args_check import check_stage

    state = stage_status(stage)
    try:
        code, error = stage_code(stage), ""
    except Exception as exc:  # an invalid template payload still lists; the editor says why it cannot render
        code, error = str(stage.get("C") or ""), str(exc)
    issue = check_stage(index, stage, lookup) if lookup is not None else None
    stale = f"{issue.reason}; {issue.fix}" if issue else ""
    return StageInfo(index, stage, state.status.value, state.reason, is_locked(stage), is_template_stage(stage),
                     code, error, stale)


class WorkflowLab:
    """The lab of one app; every public method is blocking and returns fresh state."""

    def __init__(self, engine: Engine, lab: Lab):
        self.engine = engine
        self.lab = lab
        self._file: LabStagesFile | None = None
        self._raw_digest: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, engine: Engine) -> tuple[WorkflowLab, LabSnapshot | BrokenFile]:
        """The active app's lab, loaded (or its raw text when it does not load)."""
        from engine.stages_run import Lab

        target = Lab.for_app(engine.workspace, engine.active_app())
        target.ensure_seeded()  # the page edits the workspace copy, so start it from the app's seed
        lab = cls(engine, target)
        return lab, lab.load_or_raw()

    # --- reading ---------------------------------------------------------------------------------
    def _snapshot(self) -> LabSnapshot:
        assert self._file is not None
        module = self.lab.module
        from engine.stages.app_args_check import schema_lookup

        # Stages passing app arguments are checked against the app's args schema (from its manager env).
        lookup = schema_lookup(self.engine.workspace)
        stages = tuple(_stage_info(i, s, lookup) for i, s in enumerate(self._file.stages(module)))
        return LabSnapshot(self.lab.app, module, self.lab.stages_file, stages,
                           tuple(self._file.sequence(module)), self._file.text)

    def load(self) -> LabSnapshot:
        """Read the file from disk, dropping anything not saved."""
        from engine.stages import LabStagesFile

        with self._lock:
            self._file = LabStagesFile.load(self.lab.stages_file)
            return self._snapshot()

    def load_or_raw(self) -> LabSnapshot | BrokenFile:
        """:meth:`load`, or the raw text and the error when the file is not a valid stages file."""
        import hashlib

        from engine.errors import SettingsError

        try:
            return self.load()
        except SettingsError as exc:
            data = self.lab.stages_file.read_bytes()
            with self._lock:
                self._file, self._raw_digest = None, hashlib.sha256(data).hexdigest()
            return BrokenFile(self.lab.stages_file, data.decode("utf-8", errors="replace"), str(exc))

    def _edit(self, change: Callable[[LabStagesFile], T], *, repair: bool = False) -> T:
        """Apply ``change`` and save; on any failure the in-memory document is put back as it was."""
        import tomlkit

        from engine.errors import AgilabError
        from engine.stages import LabStagesFile

        with self._lock:
            previous = file = self._file
            if file is None and repair:
                # Replacing a file that does not load: the digest still guards against a concurrent edit.
                file = LabStagesFile(self.lab.stages_file, tomlkit.document(), self._raw_digest)
            if file is None:
                raise AgilabError(f"{self.lab.stages_file} could not be read; fix it in HISTORY first")
            self._file, before = file, file.text
            try:
                return change(file)
            except BaseException:
                file.document = tomlkit.parse(before)
                self._file = previous
                raise

    # --- stage edits -----------------------------------------------------------------------------
    def save_stage(self, index: int | None, values: Mapping[str, Any]) -> tuple[LabSnapshot, int]:
        """Update stage ``index`` (or add a new one when None) with ``values`` and save; E is validated first."""
        from engine.stages import raw_python_stage
        from engine.stages_run import resolve_python

        env = str(values.get("E") or "").strip()
        if env:
            resolve_python(env, base_dir=self.lab.stages_file.parent)

        def change(file: LabStagesFile) -> tuple[LabSnapshot, int]:
            if index is None:
                stage = raw_python_stage(str(values.get("C") or ""), description=str(values.get("D") or ""),
                                         question=str(values.get("Q") or ""), env=env)
                position = file.add_stage(self.lab.module, stage)
            else:
                position = index
                file.update_stage(self.lab.module, index, dict(values))
            file.save()
            return self._snapshot(), position

        return self._edit(change)

    def remove_stage(self, index: int) -> LabSnapshot:
        def change(file: LabStagesFile) -> LabSnapshot:
            file.remove_stage(self.lab.module, index)
            file.save()
            return self._snapshot()

        return self._edit(change)

    def import_snippet(self, source: str) -> tuple[LabSnapshot, int]:
        """Add a read-only stage from ORCHESTRATE's run snippet (``source == RUN_SNIPPET``) or a ``.py`` file."""
        from engine.errors import AgilabError
        from engine.stages import LOCKED_KEY, SNIPPET_SOURCE_KEY, raw_python_stage

        if source == RUN_SNIPPET:
            code, label = self.engine.snippets(self.lab.app)["run"], RUN_SNIPPET
        else:
            path = Path(source).expanduser().resolve()
            if path.suffix != ".py" or not path.is_file():
                raise AgilabError(f"{path}: not a Python file (.py) to import")
            code, label = path.read_text("utf-8"), str(path)
        stage = raw_python_stage(code, description=f"Imported {Path(label).name}")
        stage.update({LOCKED_KEY: True, SNIPPET_SOURCE_KEY: label})

        def change(file: LabStagesFile) -> tuple[LabSnapshot, int]:
            position = file.add_stage(self.lab.module, stage)
            file.save()
            return self._snapshot(), position

        return self._edit(change)

    def set_sequence(self, indices: Iterable[int]) -> LabSnapshot:
        def change(file: LabStagesFile) -> LabSnapshot:
            file.set_sequence(self.lab.module, list(indices))
            file.save()
            return self._snapshot()

        return self._edit(change)

    # --- templates ---------------------------------------------------------------------------------
    def refresh_preview(self, index: int) -> TemplateRefresh:
        from engine.stages import refresh_from_template
        from engine.stages.app_args_check import check_stage, refresh_against_app, schema_lookup

        with self._lock:
            assert self._file is not None
            stage = self._file.stage(self.lab.module, index)
            issue = check_stage(index, stage, schema_lookup(self.engine.workspace))
            if issue is not None:  # stale against the app: the refresh drops the arguments it no longer has
                return refresh_against_app(stage, issue)
            return refresh_from_template(stage)

    def apply_refresh(self, index: int, refresh: TemplateRefresh) -> LabSnapshot:
        from engine.stages import apply_refresh

        def change(file: LabStagesFile) -> LabSnapshot:
            apply_refresh(file, self.lab.module, index, refresh)
            file.save()
            return self._snapshot()

        return self._edit(change)

    def convert_preview(self) -> list[ConversionPreview]:
        from engine.stages import preview_conversion

        with self._lock:
            assert self._file is not None
            return preview_conversion(self._file, module=self.lab.module)

    def convert_apply(self, previews: list[ConversionPreview]) -> LabSnapshot:
        from engine.stages import apply_conversion

        def change(file: LabStagesFile) -> LabSnapshot:
            apply_conversion(file, previews, module=self.lab.module)
            return self._snapshot()

        return self._edit(change)

    # --- HISTORY ----------------------------------------------------------------------------------
    def save_text(self, text: str) -> LabSnapshot:
        """Replace the whole file with ``text`` after it parses as a stages file (errors name the line)."""
        from engine.stages import LabStagesFile

        # The engine's own parser gives the same checks and line numbers as loading the file would.
        document = LabStagesFile.parse_text(self.lab.stages_file, text)

        def change(file: LabStagesFile) -> LabSnapshot:
            file.document = document
            file.save()
            return self._snapshot()

        return self._edit(change, repair=True)

    # --- runs and outputs ------------------------------------------------------------------------
    def run_stage(self, index: int) -> Operation:
        from engine.stages_run import run_stage

        return run_stage(self.engine.workspace, self.lab, index)

    def run_pipeline(self, indices: list[int]) -> Operation:
        from engine.stages_run import run_pipeline

        return run_pipeline(self.engine.workspace, self.lab, indices)

    def preview(self) -> DataPreview | None:
        """The first rows of the latest ``lab_out.csv``, or None when no stage has produced one."""
        import pandas as pd

        from engine.stages_run import latest_dataframe

        path = latest_dataframe(self.engine.workspace, self.lab.app)
        if path is None:
            return None
        frame = pd.read_csv(path, nrows=PREVIEW_ROWS + 1)
        rows = tuple(tuple("" if pd.isna(v) else str(v) for v in row)
                     for row in frame.head(PREVIEW_ROWS).itertuples(index=False))
        return DataPreview(path, tuple(str(c) for c in frame.columns), rows, len(frame) > PREVIEW_ROWS)

    # --- notebooks ----------------------------------------------------------------------------------
    def export_notebook(self) -> Path:
        from engine.stages_run import export_notebook

        with self._lock:
            return export_notebook(self.lab)

    def notebook_preview(self, path: str) -> ImportPreview:
        from engine.stages_run import preview_notebook_import

        return preview_notebook_import(path)

    def notebook_merge(self, preview: ImportPreview) -> LabSnapshot:
        from engine.stages import LabStagesFile
        from engine.stages_run import apply_import

        with self._lock:
            apply_import(preview, self.lab)
            self._file = LabStagesFile.load(self.lab.stages_file)
            return self._snapshot()
