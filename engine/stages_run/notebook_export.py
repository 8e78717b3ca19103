"""Exporting a lab as ``lab_stages.ipynb``: a supervisor notebook, not a flat dump of cells.

The notebook keeps each stage's recorded runtime.  Its helper cell embeds the export payload
(``AGILAB_NOTEBOOK_EXPORT``) and defines ``run_agilab_stage(i)`` / ``run_agilab_pipeline()``,
which run every stage as a subprocess of the stage's own interpreter with the same
df-in/df-out contract as the TUI, writing ``lab_out.csv`` into ``artifact_dir``.  Each stage
then gets a markdown cell and a ``%%agilab_stage N`` code cell holding its verbatim code.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, file_lock
from ..errors import AgilabError
from .lab import Lab, read_stages, stage_code
from .runner import DATAFRAME_FILE, RUNNER_SOURCE, engine_label, runtime_label

EXPORT_SCHEMA = "agilab.notebook_export.v1"
EXPORT_MODE = "supervisor"
STAGE_MAGIC = "%%agilab_stage"

_HELPER_TEMPLATE = '''\
# AGILAB supervisor helpers: every stage runs as a subprocess of its recorded runtime.
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

AGILAB_NOTEBOOK_EXPORT = json.loads(__PAYLOAD__)
_AGILAB_RUNNER = __RUNNER__


def python_for_stage(stage):
    """The interpreter recorded for a stage: its venv's python, else the controller python."""
    env = (stage.get("env") or "").strip()
    if not env:
        controller = AGILAB_NOTEBOOK_EXPORT.get("controller_python") or ""
        return controller if controller and Path(controller).is_file() else sys.executable
    path = Path(env).expanduser()
    for candidate in (path, path / "bin" / "python", path / ".venv" / "bin" / "python"):
        if candidate.is_file():
            return str(candidate)
    raise FileNotFoundError(f"execution environment {path} has no python interpreter")


def run_agilab_stage(stage_index, *, check=True, code_override=None):
    """Run one stage in its runtime; df comes from and goes to lab_out.csv in artifact_dir."""
    stage = AGILAB_NOTEBOOK_EXPORT["stages"][stage_index]
    workdir = Path(AGILAB_NOTEBOOK_EXPORT.get("artifact_dir") or ".").expanduser()
    workdir.mkdir(parents=True, exist_ok=True)
    code = code_override if code_override is not None else stage.get("code") or ""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["AGILAB_STAGE_INDEX"] = str(stage_index)
    with tempfile.TemporaryDirectory(prefix="agilab_notebook_stage_") as tmp:
        script = Path(tmp) / f"stage_{stage_index:03d}.py"
        script.write_text(code, encoding="utf-8")
        argv = [python_for_stage(stage), "-c", _AGILAB_RUNNER, str(script), str(workdir / __DATAFRAME__)]
        result = subprocess.run(argv, cwd=str(workdir), env=env, text=True, capture_output=True, check=False)
    if result.stdout:
        print(result.stdout, end="")
    if result.stderr:
        print(result.stderr, end="", file=sys.stderr)
    if check and result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {result.returncode}"
        raise RuntimeError(f"AGILAB stage {stage_index} failed: {reason}")
    return result


def run_agilab_pipeline(stage_indices=None, *, check=True):
    """Run the given stages (all of them by default) in order, stopping at the first failure."""
    count = len(AGILAB_NOTEBOOK_EXPORT["stages"])
    indices = list(stage_indices) if stage_indices is not None else list(range(count))
    results = []
    for stage_index in indices:
        print(f"== Running AGILAB stage {stage_index} ==")
        results.append(run_agilab_stage(stage_index, check=check))
    return results


def _agilab_stage_magic(line, cell):
    run_agilab_stage(int(line.split()[0]), code_override=cell)


try:
    get_ipython().register_magic_function(_agilab_stage_magic, "cell", "agilab_stage")
except NameError:
    pass  # plain Python: call run_agilab_stage(i) directly
'''


def _payload(lab: Lab, stages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "schema": EXPORT_SCHEMA,
        "app": lab.app,
        "module": lab.module,
        "stages_file": str(lab.source_file),
        "artifact_dir": str(lab.export_dir),
        "controller_python": sys.executable,
        "stages": [
            {
                "index": index,
                "description": str(stage.get("D") or ""),
                "question": str(stage.get("Q") or ""),
                "model": str(stage.get("M") or ""),
                "code": stage_code(stage),
                "env": str(stage.get("E") or ""),
                "runtime": runtime_label(stage),
                "engine": engine_label(stage),
            }
            for index, stage in enumerate(stages)
        ],
    }


def _literal(text: str) -> str:
    """A Python literal for ``text``, as a readable raw triple-quoted block whenever that is exact."""
    if '"""' in text or text.endswith(("\\", '"')) or "\r" in text:
        return repr(text)
    return f'r"""{text}"""'


def helper_source(lab: Lab, stages: Sequence[Mapping[str, Any]]) -> str:
    """Source of the helper cell for ``stages`` of ``lab``."""
    payload = json.dumps(_payload(lab, stages), indent=1, ensure_ascii=False)
    return (_HELPER_TEMPLATE.replace("__PAYLOAD__", _literal(payload))
            .replace("__RUNNER__", _literal(RUNNER_SOURCE))
            .replace("__DATAFRAME__", repr(DATAFRAME_FILE)))


def _stage_markdown(index: int, stage: Mapping[str, Any]) -> str:
    text = f"## Stage {index}: {str(stage.get('D') or '').strip() or 'untitled stage'}"
    question = str(stage.get("Q") or "").strip()
    if question:
        text += "\n\n" + "\n".join(f"> {line}" for line in question.splitlines())
    return text + f"\n\nRuntime: `{runtime_label(stage)}` (engine `{engine_label(stage)}`)"


def _cells_digest(cells: Sequence[Mapping[str, Any]]) -> str:
    summary = [[cell.get("cell_type"), "".join(cell.get("source", ""))] for cell in cells]
    return hashlib.sha256(json.dumps(summary).encode("utf-8")).hexdigest()


def notebook_document(lab: Lab, stages: Sequence[Mapping[str, Any]] | None = None) -> Any:
    """The supervisor notebook (an ``nbformat`` v4 node) for ``stages`` or the lab's saved stages."""
    import nbformat
    from nbformat import v4

    stages = list(stages) if stages is not None else read_stages(lab)
    cells = [
        v4.new_markdown_cell(
            f"# {lab.module}: AGILAB pipeline\n\nSupervisor notebook exported from `{lab.source_file}`. "
            "Run the helper cell first; each stage cell then runs in the stage's recorded runtime, "
            f"reading and writing `{DATAFRAME_FILE}` in `{lab.export_dir}`.",
            metadata={"agilab": {"role": "title"}}),
        v4.new_code_cell(helper_source(lab, stages), metadata={"agilab": {"role": "helper", "helper_cell": True}}),
    ]
    for index, stage in enumerate(stages):
        role = "default" if runtime_label(stage) == "default" else "venv"
        # TOML dates have no JSON form; they are kept as their text so the metadata stays valid.
        fields = json.loads(json.dumps({k: v for k, v in stage.items() if k != "C"}, default=str))
        cells.append(v4.new_markdown_cell(
            _stage_markdown(index, stage), metadata={"agilab": {"stage_cell": index, "role": "description"}}))
        cells.append(v4.new_code_cell(
            f"{STAGE_MAGIC} {index}\n{stage_code(stage)}",
            metadata={"agilab": {"stage_cell": index, "role": "code", "runtime_role": role, "stage": fields,
                                 # JSON metadata is saved with sorted keys; this restores the toml order.
                                 "stage_keys": list(stage)},
                      "tags": [f"agilab.runtime.{role}"]}))
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["agilab"] = {
        "schema": EXPORT_SCHEMA, "version": 1, "export_mode": EXPORT_MODE,
        "app": lab.app, "module": lab.module, "stages_file": str(lab.source_file),
        "cells_sha256": _cells_digest(cells),
    }
    nbformat.validate(notebook)
    return notebook


def _edited_since_export(path: Path) -> bool:
    """True when ``path`` is a notebook whose cells no longer match what was exported into it."""
    try:
        data = json.loads(path.read_text("utf-8"))
        recorded = data["metadata"]["agilab"]["cells_sha256"]
        return bool(recorded != _cells_digest(data["cells"]))
    except FileNotFoundError:
        return False
    except (ValueError, KeyError, TypeError):
        # Not one of our exports (or not JSON at all): replacing it would lose someone's work.
        return True


def export_notebook(lab: Lab, stages: Sequence[Mapping[str, Any]] | None = None, *,
                    path: Path | None = None, overwrite_edits: bool = False) -> Path:
    """Write the supervisor notebook beside ``lab_stages.toml`` (or at ``path``) atomically.

    Raises:
        AgilabError: the existing notebook was edited after its export (or is not one of ours);
            pass ``overwrite_edits=True`` to replace it anyway.
    """
    import nbformat

    target = path or lab.notebook_file
    document = notebook_document(lab, stages)
    with file_lock(target):
        if not overwrite_edits and _edited_since_export(target):
            raise AgilabError(f"{target}: edited since it was exported; confirm replacing it to overwrite")
        atomic_write_text(target, nbformat.writes(document))
    return target
