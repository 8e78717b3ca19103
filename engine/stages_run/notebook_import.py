"""Importing a Jupyter notebook as lab stages: a non-executing preview, then an explicit merge.

Code cells become stages (``D``/``Q``/``C`` plus ``NB_*`` provenance keys); the markdown
preceding a code cell becomes its description.  Notebooks exported by
:mod:`engine.stages_run.notebook_export` round-trip through their ``agilab`` metadata, so every
stage field survives.  No cell is ever executed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AgilabError
from .lab import Lab, append_stages
from .notebook_export import EXPORT_SCHEMA, STAGE_MAGIC

IMPORT_SCHEMA = "agilab.notebook_import.v1"
EXECUTION_MODE = "not_executed_import"


@dataclass(frozen=True)
class ImportPreview:
    """The stages a notebook would add to a lab, before anything is written."""

    notebook: Path
    stages: list[dict[str, Any]]
    supervisor: bool
    warnings: list[str] = field(default_factory=list)
    schema: str = IMPORT_SCHEMA
    execution_mode: str = EXECUTION_MODE

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``--json`` output."""
        return {
            "schema": self.schema,
            "execution_mode": self.execution_mode,
            "notebook": str(self.notebook),
            "supervisor": self.supervisor,
            "stage_count": len(self.stages),
            "stages": self.stages,
            "warnings": self.warnings,
        }


def _read_notebook(path: Path) -> Any:
    import nbformat

    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise AgilabError(f"{path}: no such notebook") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AgilabError(f"{path}: cannot read the notebook: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AgilabError(f"{path}: not a Jupyter notebook (invalid JSON at line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        raise AgilabError(f"{path}: not a Jupyter notebook (JSON without 'nbformat' and 'cells')")
    _check_cells(path, data["cells"])
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for malformed content
        raise AgilabError(f"{path}: not a valid Jupyter notebook: {exc}") from exc


def _check_cells(path: Path, cells: Any) -> None:
    """nbformat accepts a cell whose source is a number and import then failed with a traceback."""
    if not isinstance(cells, list):
        raise AgilabError(f"{path}, key 'cells': must be a list of cells, got {type(cells).__name__}")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise AgilabError(f"{path}, cell {index}: must be an object, got {type(cell).__name__}")
        source = cell.get("source", "")
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(p, str) for p in source))):
            raise AgilabError(f"{path}, cell {index}, key 'source': must be text or a list of lines, "
                              f"got {type(source).__name__} {source!r:.40}")


def _provenance(path: Path, index: int, cell: Any) -> dict[str, Any]:
    keys: dict[str, Any] = {
        "NB_SOURCE_NOTEBOOK": str(path),
        "NB_CELL_ID": str(cell.get("id") or ""),
        "NB_CELL_INDEX": index,
        "NB_EXECUTION_MODE": EXECUTION_MODE,
    }
    # TOML has no null, so a never-executed cell simply has no execution count.
    if isinstance(cell.get("execution_count"), int):
        keys["NB_EXECUTION_COUNT"] = cell["execution_count"]
    return keys


def _strip_magic(source: str) -> str:
    first, _, rest = source.partition("\n")
    return rest if first.startswith(STAGE_MAGIC) else source


def _description(markdown: Sequence[str]) -> str:
    text = "\n\n".join(block.strip() for block in markdown if block.strip())
    first, _, rest = text.partition("\n")
    return (first.lstrip("#").strip() + ("\n" + rest if rest else "")).strip()


def _supervisor_stages(path: Path, notebook: Any) -> list[dict[str, Any]]:
    stages = []
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("agilab", {})
        if cell.cell_type != "code" or "stage_cell" not in meta or meta.get("role") != "code":
            continue
        recorded = {**meta.get("stage", {}), "C": _strip_magic(cell.source)}
        order = [key for key in meta.get("stage_keys", []) if key in recorded]
        order += [key for key in recorded if key not in order]
        stage = {key: recorded[key] for key in order if not key.startswith("NB_")}
        stage.update(_provenance(path, index, cell))
        stages.append(stage)
    return stages


def _plain_stages(path: Path, notebook: Any, warnings: list[str]) -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    markdown: list[str] = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            markdown.append(cell.source)
            continue
        if cell.cell_type != "code":
            continue
        if not cell.source.strip():
            markdown = []
            continue
        if any(line.lstrip().startswith(("%", "!")) for line in cell.source.splitlines()):
            warnings.append(f"cell {index} uses IPython syntax (% or !); it is kept verbatim but will not "
                            "run as a plain Python stage until edited")
        stage = {"D": _description(markdown), "Q": "", "M": "", "C": cell.source, "R": "runpy", "E": ""}
        stage.update(_provenance(path, index, cell))
        stages.append(stage)
        markdown = []
    return stages


def preview_notebook_import(path: Path | str) -> ImportPreview:
    """Read a notebook without executing it and return the stages it would contribute.

    Raises:
        AgilabError: the file is missing, is not JSON, or is not a notebook; the message names it.
    """
    notebook_path = Path(path).expanduser().resolve()
    notebook = _read_notebook(notebook_path)
    warnings: list[str] = []
    meta = notebook.metadata.get("agilab", {})
    supervisor = isinstance(meta, Mapping) and meta.get("schema") == EXPORT_SCHEMA
    stages = _supervisor_stages(notebook_path, notebook) if supervisor else _plain_stages(
        notebook_path, notebook, warnings)
    if not stages:
        warnings.append("the notebook has no non-empty code cells; nothing to import")
    return ImportPreview(notebook_path, stages, supervisor, warnings)


def apply_import(preview: ImportPreview, lab: Lab, *, replace: bool = False) -> int:
    """Merge the previewed stages into the lab's ``lab_stages.toml``; return the lab's stage count.

    Stages are appended after the existing ones unless ``replace`` is set.
    """
    return append_stages(lab, preview.stages, replace=replace)
