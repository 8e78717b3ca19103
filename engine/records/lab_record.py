"""Records of WORKFLOW executions: a stage run or a pipeline of a lab (``kind`` stage / pipeline).

They live with the app's records when the lab belongs to a known app, else under
``log/execute/<module>/runs/``. Their args are the stage index or the sequence, their inputs the
stages file and the dataframe they start from, their output ``lab_out.csv``. A pipeline's record is
logged into the pipeline's own MLflow parent run rather than a second one.
"""

from __future__ import annotations

from typing import Any

from ..errors import AgilabError
from . import store
from .mlflow_sync import tracking_uri_for
from .record import RecordWriter


def lab_record(workspace: Any, lab: Any, *, kind: str, args: dict[str, Any]) -> RecordWriter:
    """A writer for one execution of ``lab`` (an :class:`engine.stages_run.Lab`)."""
    from ..settings import load_settings

    try:
        app = workspace.app(lab.app)
    except AgilabError:
        app = None
    keep = store.DEFAULT_KEEP
    if app is not None:
        try:
            settings = load_settings(workspace, app)
            keep = store.keep_setting(settings.document, settings.path)
        except AgilabError:
            pass  # a broken settings file is reported by the pages; the record keeps the default
    log_dir = workspace.log_dir(app) if app is not None else workspace.root / "log" / "execute" / lab.module
    writer = RecordWriter(log_dir, app=lab.app, target=app.target if app else lab.module, kind=kind,
                          label=f"{lab.module} {kind}", keep=keep, mirror=False,
                          sources={"manager": app.manager_dir, "worker": app.worker_dir} if app else {},
                          tracking_uri=tracking_uri_for(workspace), artifact_root=workspace.mlflow_dir)
    writer.note(args=args, stages_file=str(lab.source_file))
    inputs = [lab.source_file] + ([lab.dataframe_file] if lab.dataframe_file.is_file() else [])
    writer.set_inputs([p for p in inputs if p.is_file()])
    return writer


async def finish_lab_record(writer: RecordWriter, lab: Any, outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Close a completed stage or pipeline record with its dataframe and per-stage seconds."""
    produced = any(o.get("produced_dataframe") for o in outcomes)
    writer.extra["stages"] = outcomes
    metrics = {f"stage_{o['index']}_seconds": float(o["seconds"]) for o in outcomes if o.get("seconds") is not None}
    return await writer.finish("completed", outputs=[lab.dataframe_file] if produced else [],
                               output_base=lab.export_dir, metrics=metrics)
