"""Running lab stages: one stage, or a sequence as a pipeline, each in its own subprocess.

Both entry points return an :class:`~engine.operation.Operation`; the caller drains its events
and may cancel it, which kills the running stage's whole process group.  The stage's code is
written to ``lab_snippet.py`` in the lab's export folder and run by the generated runner
(:mod:`engine.stages_run.runner`), which carries ``df`` from one stage to the next through
``lab_out.csv``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import tempfile
import time
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, content_digest
from ..errors import AgilabError, RunError
from ..operation import Operation, OperationContext
from ..proc import ChildProcess, clean_child_env
from ..records import recording
from ..records.lab_record import finish_lab_record, lab_record
from ..stages.app_args_check import ensure_current
from ..workspace import Workspace
from .lab import Lab, read_sequence, read_stages, stage_code
from .mlflow_runs import LabRecorder, tracking_available
from .runner import SNIPPET_FILE, resolve_python, runner_argv


class StageFailed(RunError):
    """A stage ran and exited non-zero; ``outcome`` says how far it got."""

    def __init__(self, message: str, outcome: dict[str, Any]):
        super().__init__(message)
        self.outcome = outcome


def _select_stages(lab: Lab, indices: Sequence[int] | None) -> tuple[list[dict[str, Any]], list[int]]:
    stages = read_stages(lab)
    if not stages:
        raise AgilabError(f"{lab.source_file}: the lab has no stages")
    chosen = list(indices) if indices is not None else read_sequence(lab)
    for index in chosen:
        if not 0 <= index < len(stages):
            raise AgilabError(f"{lab.source_file}: no stage {index} (the lab has stages 0 to {len(stages) - 1})")
        stage = stages[index]
        if not stage.get("template_id") and not str(stage.get("C") or "").strip():
            # Running nothing and reporting success would hide a stage that was never written.
            raise AgilabError(f"{lab.source_file}, key '{lab.module}[{index}].C': stage {index} has no code to run")
    return stages, chosen


@contextlib.contextmanager
def exclusive_run(lab: Lab) -> Iterator[None]:
    """Hold the lab's run lock without waiting: two runs would overwrite each other's ``lab_out.csv``.

    Raises:
        AgilabError: another stage or pipeline of the same lab is running (in any process).
    """
    lab.export_dir.mkdir(parents=True, exist_ok=True)
    with open(lab.export_dir / ".lab_run.lock", "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AgilabError(f"{lab.export_dir}: another stage or pipeline of this lab is already running; "
                              "wait for it or cancel it") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _last_error_line(stderr_lines: Sequence[str]) -> str:
    for line in reversed(stderr_lines):
        if line.strip():
            return line.strip()
    return ""


async def _open_recorder(ctx: OperationContext, workspace: Workspace, lab: Lab) -> LabRecorder | None:
    if not tracking_available():
        await ctx.log("MLflow tracking is off (AGILAB_TRACKING=none or mlflow not installed)", "mlflow")
        return None
    from ..mlflow_store import TrackingStoreError, check_tracking_store

    try:
        # Up front: MLflow would retry an unopenable store for ~100 s before saying anything.
        check_tracking_store(workspace.mlflow_tracking_uri())
    except TrackingStoreError as exc:
        raise RunError(str(exc)) from exc
    try:
        return await asyncio.to_thread(LabRecorder, lab, workspace.mlflow_tracking_uri(), workspace.mlflow_dir)
    except Exception as exc:  # tracking must never stop a run; say why it is missing instead
        await ctx.log(f"MLflow tracking unavailable: {type(exc).__name__}: {exc}", "mlflow")
        return None


async def _track(ctx: OperationContext, call: Any, *args: Any) -> Any:
    """Run one blocking recorder call off the loop; a tracking error is logged, never raised."""
    try:
        return await asyncio.to_thread(call, *args)
    except Exception as exc:
        await ctx.log(f"MLflow: {type(exc).__name__}: {exc}", "mlflow")
        return None


async def _shielded(awaitable: Awaitable[Any]) -> None:
    """Await to the end even when cancelled meanwhile, then pass the cancellation on."""
    task = asyncio.ensure_future(awaitable)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


async def execute_stage(ctx: OperationContext, lab: Lab, index: int, stage: Mapping[str, Any],
                        recorder: LabRecorder | None = None) -> dict[str, Any]:
    """Run one stage to completion inside an operation and return its outcome.

    Raises:
        StageFailed: the stage exited non-zero; the message ends with its last error line.
        AgilabError: the stage could not start (no code renderer, missing interpreter).
    """
    code = stage_code(stage)
    python = resolve_python(stage.get("E"), base_dir=lab.source_file.parent)
    snippet = lab.export_dir / SNIPPET_FILE
    out_csv = lab.dataframe_file
    atomic_write_text(snippet, code)
    before = content_digest(out_csv)
    run_id = await _track(ctx, recorder.start_stage, index, stage) if recorder else None
    extra = recorder.child_env(run_id) if recorder and run_id else {"AGILAB_TRACKING": "none"}
    extra.update({"AGILAB_STAGE_INDEX": str(index), "AGILAB_EXPORT_DIR": str(lab.export_dir)})
    child = ChildProcess(runner_argv(python, snippet, out_csv), cwd=lab.export_dir, env=clean_child_env(extra))

    stdout: list[str] = []
    stderr: list[str] = []
    transcript: list[str] = []

    async def sink(source: str, line: str) -> None:
        (stdout if source == "stdout" else stderr).append(line)
        transcript.append(f"[{source}] {line}")
        await ctx.log(line, source)

    started = time.monotonic()
    status = "failed"
    exit_code: int | None = None
    try:
        try:
            await child.start()
        except OSError as exc:
            raise AgilabError(f"cannot start stage {index} with {python}: {exc.strerror or exc}") from exc
        await ctx.log(f"stage {index}: pid {child.pid}, python {python}", "engine")
        exit_code = await child.stream(sink)
        status = "completed" if exit_code == 0 else "failed"
    except asyncio.CancelledError:
        status = "cancelled"
        raise
    finally:
        produced = status == "completed" and content_digest(out_csv) not in (None, before)
        outcome = {
            "index": index,
            "status": status,
            "exit_code": exit_code,
            "python": python,
            "pid": child.pid,
            "seconds": round(time.monotonic() - started, 3),
            "dataframe": str(out_csv) if status == "completed" and out_csv.is_file() else None,
            "produced_dataframe": produced,
            "mlflow_run_id": run_id,
        }
        if recorder and run_id:
            await _finish_tracking(ctx, recorder, run_id, index, status, snippet, out_csv if produced else None,
                                   stdout, transcript)
    if status != "completed":
        reason = _last_error_line(stderr) or f"exit code {exit_code}"
        raise StageFailed(f"{lab.source_file}: stage {index} failed: {reason}", outcome)
    return outcome


async def _finish_tracking(ctx: OperationContext, recorder: LabRecorder, run_id: str, index: int, status: str,
                           snippet: Path, dataframe: Path | None, stdout: list[str], transcript: list[str]) -> None:
    # Shielded so that a cancelled stage still gets its run closed as KILLED with its logs.
    with tempfile.TemporaryDirectory(prefix="agilab_stage_") as tmp:
        stdout_file = Path(tmp) / "stdout.txt"
        log_file = Path(tmp) / "run.log"
        stdout_file.write_text("\n".join(stdout) + ("\n" if stdout else ""), encoding="utf-8")
        log_file.write_text("\n".join(transcript) + ("\n" if transcript else ""), encoding="utf-8")
        artifacts = [stdout_file, log_file, snippet] + ([dataframe] if dataframe else [])
        await _shielded(_track(ctx, recorder.finish_stage, run_id, index, status, artifacts))


def run_stage(workspace: Workspace, lab: Lab, index: int, *, track: bool = False) -> Operation:
    """The operation that runs stage ``index`` of ``lab`` once (WORKFLOW's Run button).

    Args:
        workspace: gives the MLflow store when ``track`` is set.
        lab: the lab whose stage runs; ``lab_snippet.py`` and ``lab_out.csv`` go to its export folder.
        index: 0-based stage index.
        track: also record a standalone MLflow run ``<app>:<lab>:stage_N``; off by default because
            single runs are the edit loop, while :func:`run_pipeline` is the traced path.
    """

    async def body(ctx: OperationContext) -> dict[str, Any]:
        stages, _ = _select_stages(lab, [index])
        # A stage passing arguments its app no longer has is refused before anything runs.
        await asyncio.to_thread(ensure_current, workspace, stages, [index], str(lab.source_file))
        with exclusive_run(lab):
            record = lab_record(workspace, lab, kind="stage", args={"stage": index})
            async with recording(record, ctx):
                ctx.result["run_id"] = record.run_id  # once started: a taken folder gives it another id
                recorder = await _open_recorder(ctx, workspace, lab) if track else None
                await ctx.progress(0, 1, f"stage {index}")
                try:
                    outcome = await execute_stage(ctx, lab, index, stages[index], recorder)
                except StageFailed as exc:
                    ctx.result.update({"stages": [exc.outcome], "failed_stage": index})
                    record.extra["stages"] = [exc.outcome]
                    raise
                record.link_mlflow_run(outcome.get("mlflow_run_id"))
                await finish_lab_record(record, lab, [outcome])
        await ctx.progress(1, 1, f"stage {index}")
        return {"stages": [outcome], "dataframe": outcome["dataframe"]}

    return Operation("stage", lab.app, body, detail=f"{lab.module} stage {index}")


def run_pipeline(workspace: Workspace, lab: Lab, indices: Sequence[int] | None = None, *,
                 track: bool = True) -> Operation:
    """The operation that runs stages in order, stopping at the first failure (Run pipeline).

    Args:
        workspace: gives the MLflow store (``Workspace.mlflow_tracking_uri()``).
        lab: the lab to run.
        indices: 0-based stage indices in run order; None runs the saved sequence, else every stage.
        track: record one parent MLflow run and a nested run per stage.
    """

    async def body(ctx: OperationContext) -> dict[str, Any]:
        stages, sequence = _select_stages(lab, indices)
        await asyncio.to_thread(ensure_current, workspace, stages, sequence, str(lab.source_file))
        with exclusive_run(lab):
            record = lab_record(workspace, lab, kind="pipeline", args={"sequence": sequence})
            async with recording(record, ctx):
                ctx.result["run_id"] = record.run_id  # once started: a taken folder gives it another id
                try:
                    result = await _pipeline(ctx, workspace, lab, stages, sequence, track)
                finally:  # the record goes into the pipeline's own MLflow parent run, whatever the outcome
                    record.link_mlflow_run(ctx.result.get("mlflow_run_id"))
                    record.extra["stages"] = list(ctx.result.get("stages") or [])
                await finish_lab_record(record, lab, ctx.result.get("stages") or [])
            return result

    return Operation("pipeline", lab.app, body, detail=lab.module)


async def _pipeline(ctx: OperationContext, workspace: Workspace, lab: Lab, stages: list[dict[str, Any]],
                    sequence: list[int], track: bool) -> dict[str, Any]:
    """The body of :func:`run_pipeline`, run while the lab's run lock is held."""
    recorder = await _open_recorder(ctx, workspace, lab) if track else None
    if recorder:
        parent = await _track(ctx, recorder.start_pipeline, sequence)
        ctx.result["mlflow_run_id"] = parent
        recorder = recorder if parent else None
    outcomes: list[dict[str, Any]] = []
    ctx.result.update({"sequence": sequence, "stages": outcomes})
    status = "failed"
    try:
        for done, index in enumerate(sequence):
            await ctx.progress(done, len(sequence), f"stage {index}")
            if not stage_code(stages[index]).strip():
                await ctx.log(f"stage {index} has no code; skipped", "engine")
                outcomes.append({"index": index, "status": "skipped"})
                continue
            try:
                outcomes.append(await execute_stage(ctx, lab, index, stages[index], recorder))
            except StageFailed as exc:
                outcomes.append(exc.outcome)
                ctx.result["failed_stage"] = index
                raise
        await ctx.progress(len(sequence), len(sequence), "done")
        status = "completed"
    except asyncio.CancelledError:
        status = "cancelled"
        raise
    finally:
        if recorder:
            await _shielded(_track(ctx, recorder.finish_pipeline, status))
    ctx.result["dataframe"] = str(lab.dataframe_file) if lab.dataframe_file.is_file() else None
    return {}
