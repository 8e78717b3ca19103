"""A lab as the runner sees it: its stages file, module key, export folder, and stage code.

Reading and writing ``lab_stages.toml`` goes through the file model of :mod:`engine.stages`
(lossless tomlkit edits, guarded atomic saves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_write_text
from ..errors import AgilabError
from ..workspace import AppProject, Workspace
from .runner import DATAFRAME_FILE

if TYPE_CHECKING:
    from ..stages import LabStagesFile

STAGES_FILE = "lab_stages.toml"
NOTEBOOK_FILE = "lab_stages.ipynb"


@dataclass(frozen=True)
class Lab:
    """One lab: ``stages_file`` holds the stages under ``module``; outputs go to ``export_dir``."""

    app: str
    module: str
    stages_file: Path
    export_dir: Path
    seed_file: Path | None = None
    """The app's own ``lab_stages.toml``, read until the workspace copy exists (AGILab seeds it)."""

    @classmethod
    def for_app(cls, workspace: Workspace, app: AppProject | str) -> Lab:
        """The lab of an app in the workspace (``export/<module>/lab_stages.toml``)."""
        project = workspace.app(app) if isinstance(app, str) else app
        export = workspace.export_dir(project)
        return cls(project.name, project.module, export / STAGES_FILE, export, project.path / STAGES_FILE)

    @classmethod
    def from_file(cls, path: Path | str, *, app: str | None = None) -> Lab:
        """A lab given by its stages file; outputs go beside it as in AGILab's export folder."""
        stages_file = Path(path).expanduser().resolve()
        module = _module_in_file(stages_file) or stages_file.parent.name
        return cls(app or f"{module}_project", module, stages_file, stages_file.parent)

    @property
    def source_file(self) -> Path:
        """The file stages are read from: the workspace copy, else the app's seed when it has one."""
        if not self.stages_file.exists() and self.seed_file is not None and self.seed_file.is_file():
            return self.seed_file
        return self.stages_file

    def ensure_seeded(self) -> None:
        """Copy the app's seed workflow into the workspace the first time the lab is opened for editing."""
        if not self.stages_file.exists() and self.seed_file is not None and self.seed_file.is_file():
            from ..atomic import atomic_write_bytes

            atomic_write_bytes(self.stages_file, self.seed_file.read_bytes())

    @property
    def notebook_file(self) -> Path:
        return self.stages_file.parent / NOTEBOOK_FILE

    @property
    def dataframe_file(self) -> Path:
        return self.export_dir / DATAFRAME_FILE


def _load(path: Path) -> LabStagesFile:
    from ..stages import LabStagesFile

    return LabStagesFile.load(path)


def _module_in_file(path: Path) -> str | None:
    modules = _load(path).modules() if path.exists() else []
    return modules[0] if modules else None


def read_stages(lab: Lab) -> list[dict[str, Any]]:
    """The lab's stages as plain dicts, in file order; an absent file or module is an empty lab."""
    return _load(lab.source_file).stages(lab.module)


def read_sequence(lab: Lab) -> list[int]:
    """The saved run order, or every stage in file order when none is saved."""
    return _load(lab.source_file).sequence(lab.module)


def append_stages(lab: Lab, new_stages: Sequence[Mapping[str, Any]], *, replace: bool = False) -> int:
    """Add ``new_stages`` after the lab's stages (or instead of them); return the resulting count.

    The file is saved atomically under its lock, keeping every other table and comment.  A lab
    still read from its app's seed is first copied into the workspace, never edited in the app.
    """
    if lab.source_file != lab.stages_file:
        atomic_write_text(lab.stages_file, lab.source_file.read_text("utf-8"))
    stages_file = _load(lab.stages_file)
    return stages_file.append_and_save(lab.module, new_stages, replace=replace)


def stage_code(stage: Mapping[str, Any]) -> str:
    """The code a stage runs: the rendering of a current template stage, else its saved ``C``.

    Raises:
        AgilabError: a template stage while the template registry cannot be imported.
    """
    try:
        from ..stages import stage_code as render
    except ImportError as exc:
        if stage.get("template_id"):
            raise AgilabError(f"stage uses template {stage['template_id']!r} but the template "
                              f"registry cannot be loaded: {exc}") from exc
        return str(stage.get("C") or "")
    return str(render(stage))


def latest_dataframe(workspace: Workspace, app: AppProject | str) -> Path | None:
    """The dataframe the last successful stage produced, or None when nothing has run yet."""
    path = Lab.for_app(workspace, app).dataframe_file
    return path if path.is_file() else None
