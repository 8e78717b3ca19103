"""``RecordWriter``: the run record every execution path writes, from its first line to its outcome.

Created when an execution starts, it streams every logged line into ``runs/<run_id>/run.log``
(attached to the operation's log), keeps the spec and the work plan actually used, and at the end
writes ``run_manifest.json``: AGILab's ``agilab.run_manifest`` v1 fields at the top level, ours
under ``record``. AGILab's ``status`` stays in its own vocabulary (``pass`` for a completed run,
``fail`` for a failed or cancelled one, ``unknown`` while running); ``record.status`` says
``running``, ``completed``, ``failed`` or ``cancelled``. Latest-run mirrors keep AGILab's paths.

Setting ``AGILAB_TUI_RECORDS=0`` turns records off (only the mirrors are written); it exists to
measure what a record costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, file_lock
from . import store
from .environment import environment_packages
from .fingerprint import file_fingerprint, output_entry, plan_input_files, sources_fingerprint
from .ids import new_run_id

RECORDS_ENV = "AGILAB_TUI_RECORDS"
KINDS = ("run", "benchmark", "benchmark-mode", "stage", "pipeline", "dag-step", "service-start", "service-stop",
         "rerun")
MIRROR_KINDS = frozenset({"run", "rerun", "benchmark-mode", "dag-step"})
_AGILAB_STATUS = {"completed": "pass", "failed": "fail", "cancelled": "fail", "running": "unknown"}
_FLUSH_SECONDS = 0.2


def records_enabled() -> bool:
    return os.environ.get(RECORDS_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def numeric_metrics(payload: Any) -> dict[str, float]:
    """The numeric (non-boolean) top-level fields of a reduce payload."""
    if isinstance(payload, dict) and isinstance(payload.get("payload"), dict):
        payload = payload["payload"]
    if not isinstance(payload, dict):
        return {}
    return {k: float(v) for k, v in payload.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


class RecordWriter:
    """One execution's record. Use :meth:`start`, then :meth:`note` / :meth:`write_spec` /
    :meth:`write_plan` as facts become known, and finally :meth:`finish` (also on failure and cancel).

    Args:
        log_dir: the app's ``log/execute/<target>`` folder; the record goes to ``runs/<run_id>``.
        app, target: the app project name and its runtime target.
        kind: one of :data:`KINDS`.
        parent: the record this one is nested in (a benchmark for its modes, a DAG run for its
            steps): a writer, or a run id. Nested records are tracked in MLflow with their parent.
        rerun_of: the run id this execution reproduces.
        keep: retention (newest unpinned records kept per app).
        mirror: copy run.log / run_manifest.json / run_spec.json to ``log_dir`` (default: by kind).
        sources: named source folders fingerprinted as the app's sources (manager, worker).
        venv: the worker environment whose packages are recorded.
        tracking_uri, artifact_root: where the MLflow run goes; None disables tracking.
    """

    def __init__(self, log_dir: Path, *, app: str, target: str, kind: str = "run", label: str = "",
                 parent: RecordWriter | str | None = None, rerun_of: str | None = None, keep: int = store.DEFAULT_KEEP,
                 mirror: bool | None = None, sources: dict[str, Path] | None = None, venv: Path | None = None,
                 tracking_uri: str | None = None, artifact_root: Path | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r} (expected one of {', '.join(KINDS)})")
        self.enabled = records_enabled()
        self.log_dir = log_dir
        self.app, self.target, self.kind = app, target, kind
        self.label = label or f"{target} {kind}"
        self.parent = parent
        self.parent_id = parent.run_id if isinstance(parent, RecordWriter) else parent
        self.rerun_of = rerun_of
        self.keep = keep
        self.mirror = kind in MIRROR_KINDS if mirror is None else mirror
        self.sources = sources or {}
        self.venv = venv
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.run_id = new_run_id()  # final once started: _start_files draws another if the folder is taken
        self.runs_dir = store.runs_dir_of(log_dir)
        self.dir = self.runs_dir / self.run_id
        self.children: list[RecordWriter] = []
        self.info: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.argv: list[str] = []
        self.validations: list[dict[str, Any]] | None = None
        self.started = time.time()
        self.manifest: dict[str, Any] | None = None
        self.finished = False
        self.mlflow_run_id: str | None = None
        self._log = None
        self._last_flush = 0.0
        self._detach: Callable[[], None] | None = None
        self._plan: dict[str, Any] | None = None
        self.cost = 0.0
        """Seconds this writer spent on the execution's path (files, fingerprints, hashes, index)."""

    # --- start ----------------------------------------------------------------------------------
    @property
    def log_path(self) -> Path:
        return self.dir / "run.log" if self.enabled else self.log_dir / "run.log"

    @property
    def spec_path(self) -> Path:
        return self.dir / "run_spec.json" if self.enabled else self.log_dir / "run_spec.json"

    @property
    def plan_path(self) -> Path:
        return self.dir / "distribution_tree.json"

    async def start(self, ctx: Any = None) -> RecordWriter:
        """Create the folder and a ``running`` manifest, and tap ``ctx``'s log (an OperationContext)."""
        self.started = time.time()
        if self.enabled:
            await asyncio.to_thread(self._start_files)
        else:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by finish()
        if isinstance(self.parent, RecordWriter):
            self.parent.children.append(self)
        if ctx is not None and hasattr(ctx, "add_log_tap"):
            self._detach = ctx.add_log_tap(self.log)
        if self.enabled and self.manifest and self.manifest["record"]["tracking"].get("status") == "pending":
            from .mlflow_sync import prewarm

            prewarm(str(self.tracking_uri))
        return self

    def _start_files(self) -> None:
        began = time.perf_counter()
        for attempt in range(8):
            try:
                self.dir.mkdir(parents=True, exist_ok=False)
                break
            except FileExistsError:
                if attempt == 7:
                    raise
                # Another process drew the same id in the same second: this record takes a new one.
                self.run_id = new_run_id()
                self.dir = self.runs_dir / self.run_id
        self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by finish()
        if self.sources:
            self.info["app_fingerprint"] = sources_fingerprint(self.sources)
        if self.venv is not None:
            self.info["worker_environment"] = environment_packages(self.venv)
        self._write_manifest("running")
        self.cost += time.perf_counter() - began

    # --- during the run --------------------------------------------------------------------------
    def log(self, source: str, line: str) -> None:
        """Append one line to run.log (prefixed by its source unless it is the child's stdout)."""
        handle = self._log
        if handle is None or handle.closed:
            return
        handle.write(line + "\n" if source == "stdout" else f"[{source}] {line}\n")
        now = time.monotonic()
        if now - self._last_flush >= _FLUSH_SECONDS:
            handle.flush()
            self._last_flush = now

    def note(self, **fields: Any) -> None:
        """Record facts as they become known: mode, token, args, hosts, slots, scheduler, data_out..."""
        self.info.update({k: v for k, v in fields.items() if v is not None})

    def write_spec(self, spec: dict[str, Any]) -> Path:
        began = time.perf_counter()
        atomic_write_text(self.spec_path, json.dumps(spec, indent=2, default=str))
        if self.enabled:  # the runner needs its spec either way: only a record's copy is its cost
            self.cost += time.perf_counter() - began
        return self.spec_path

    def write_plan(self, plan: dict[str, Any]) -> Path | None:
        """Keep the work plan actually used, and fingerprint the input files it names."""
        self._plan = plan
        if not self.enabled:
            return None
        began = time.perf_counter()
        atomic_write_text(self.plan_path, json.dumps(plan, indent=2, default=str))
        self.info["inputs"] = [file_fingerprint(p) for p in plan_input_files(plan)]
        self.info["hosts"] = self.info.get("hosts") or plan.get("workers")
        self.info["slots"] = plan.get("worker_slots")
        self.cost += time.perf_counter() - began
        return self.plan_path

    def set_inputs(self, paths: list[Path | str]) -> None:
        if self.enabled:
            self.info["inputs"] = [file_fingerprint(p) for p in paths]

    def link_mlflow_run(self, mlflow_run_id: str | None) -> None:
        """Log this record into an MLflow run someone else opened (a WORKFLOW pipeline's parent run)."""
        self.mlflow_run_id = mlflow_run_id

    # --- finish ---------------------------------------------------------------------------------
    async def finish(self, status: str, *, error: str | None = None, outputs: list[str | Path] | None = None,
                     output_base: Path | str | None = None, partial_from: Path | str | None = None,
                     reduce: Any = None, reduce_path: str | Path | None = None, metrics: dict[str, float] | None = None,
                     validations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Write the final manifest (and mirrors), index it, prune old records, schedule MLflow.

        Args:
            status: ``completed``, ``failed`` or ``cancelled``.
            outputs: files the execution reports as its outputs.
            output_base: folder output names are relative to (data_out).
            partial_from: for a failed or cancelled run, the folder whose files written since the
                start are listed as kept partial outputs.
        Safe to call once; later calls return the first manifest.
        """
        if self.finished and self.manifest is not None:
            return self.manifest
        self.finished = True
        if self._detach:
            self._detach()
        return await _finish_shielded(asyncio.to_thread(
            self._finish_sync, status, error, outputs, output_base, partial_from, reduce, reduce_path, metrics,
            validations))

    def _finish_sync(self, status: str, error: str | None, outputs: list[str | Path] | None,
                     output_base: Path | str | None, partial_from: Path | str | None, reduce: Any,
                     reduce_path: str | Path | None, metrics: dict[str, float] | None,
                     validations: list[dict[str, Any]] | None) -> dict[str, Any]:
        finished = time.time()
        began = time.perf_counter()
        output_base = output_base or self.info.get("data_out")
        partial_from = partial_from or self.info.get("data_out")
        base = Path(output_base) if output_base else None
        entries: list[dict[str, Any]] = []
        listed = [Path(p) for p in outputs or []]
        if reduce_path:
            listed.append(Path(reduce_path))
        listed.extend(Path(p) for p in self.info.pop("partial_outputs", None) or [])
        if status != "completed" and partial_from:
            listed.extend(_written_since(Path(partial_from), self.started, {str(p) for p in listed}))
        seen: set[str] = set()
        for path in listed:
            if str(path) in seen:
                continue
            seen.add(str(path))
            if self.enabled:
                entries.append(output_entry(path, base, partial=status != "completed"))
            else:
                entries.append({"name": path.name, "path": str(path), "exists": path.is_file(),
                                "size": path.stat().st_size if path.is_file() else 0})
        self.info["outputs"] = entries
        if reduce is not None:
            self.info["reduce"] = reduce.get("payload", reduce) if isinstance(reduce, dict) else reduce
        seconds = round(finished - self.started, 4)
        self.info["metrics"] = {**numeric_metrics(reduce), **(metrics or {}), "seconds": seconds}
        if self._log is not None and not self._log.closed:
            if error:
                self.log("engine", f"{status}: {error}")
            self._log.close()
        manifest = self._write_manifest(status, error=error, finished=finished,
                                        validations=validations or self.validations,
                                        reduce_path=reduce_path)
        if self.mirror:
            self._write_mirrors(manifest)
        if self.enabled:
            store.prune(self.runs_dir, self.keep)
            self._schedule_tracking()
        self.cost += time.perf_counter() - began
        return manifest

    def _write_manifest(self, status: str, *, error: str | None = None, finished: float | None = None,
                        validations: list[dict[str, Any]] | None = None,
                        reduce_path: str | Path | None = None) -> dict[str, Any]:
        end = finished if finished is not None else time.time()
        outputs = self.info.get("outputs", [])
        artifacts = [{"name": o["name"], "path": o["path"],
                      "kind": "reduce_summary" if reduce_path and o["path"] == str(reduce_path)
                      else ("partial_output" if o.get("partial") else "output"),
                      "exists": o["exists"], "size_bytes": o["size"]} for o in outputs]
        tracking = (self.manifest or {}).get("record", {}).get("tracking") or self._initial_tracking()
        record = {
            "schema": "agilab_tui.run_record.v1",
            "run_id": self.run_id, "app": self.app, "target": self.target, "kind": self.kind, "status": status,
            "error": error, "parent_id": self.parent_id, "rerun_of": self.rerun_of,
            "children": [c.run_id for c in self.children],
            "pinned": bool((self.manifest or {}).get("record", {}).get("pinned")),
            "started_at": _iso(self.started), "started_ts": self.started,
            "finished_at": _iso(end) if finished is not None else None,
            "seconds": round(end - self.started, 4) if finished is not None else None,
            "owner_pid": os.getpid(),
            **self.info,
            "timings": {"started_at": _iso(self.started), "finished_at": _iso(end) if finished is not None else None,
                        **{k: v for k, v in (self.info.get("metrics") or {}).items() if k.endswith("seconds")}},
            "extra": self.extra,
            "tracking": tracking,
            "files": {"log": "run.log", "spec": "run_spec.json",
                      "plan": "distribution_tree.json" if self._plan is not None else None},
        }
        manifest = {
            "schema_version": 1,
            "kind": "agilab.run_manifest",
            "run_id": self.run_id,
            "path_id": self.target,
            "label": self.label,
            "status": _AGILAB_STATUS.get(status, "fail"),
            "command": {"label": self.label, "argv": self.argv, "cwd": str(Path.cwd()), "env_overrides": {}},
            "environment": {"python_version": platform.python_version(), "python_executable": sys.executable,
                            "platform": platform.platform(), "repo_root": str(Path(__file__).resolve().parents[2]),
                            "active_app": self.app, "app_name": self.app},
            "timing": {"started_at": _iso(self.started), "finished_at": _iso(end),
                       "duration_seconds": round(end - self.started, 4), "target_seconds": None},
            "artifacts": artifacts,
            "validations": validations or [{"label": self.kind, "status": _AGILAB_STATUS.get(status, "fail"),
                                            "summary": status if not error else f"{status}: {error}",
                                            "details": [error] if error else []}],
            "created_at": _iso(end),
            "record": record,
        }
        self.manifest = manifest
        if self.enabled:
            store.write_manifest(self.dir, manifest)
            store.append_index(self.runs_dir, manifest)
        return manifest

    def _initial_tracking(self) -> dict[str, Any]:
        from .mlflow_sync import tracking_off_reason

        if not self.enabled:
            return {"status": "off", "reason": "records disabled"}
        reason = tracking_off_reason() if self.tracking_uri else "no tracking store"
        if reason:
            return {"status": "off", "reason": reason}
        return {"status": "pending", "uri": self.tracking_uri,
                "artifact_root": str(self.artifact_root) if self.artifact_root else None}

    def _write_mirrors(self, manifest: dict[str, Any]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.log_dir / store.MANIFEST):  # the tracking thread updates this mirror too
            atomic_write_text(self.log_dir / store.MANIFEST, json.dumps(manifest, indent=2, default=str))
        if self.enabled:
            for name in ("run.log", "run_spec.json"):
                source = self.dir / name
                if source.is_file():
                    _copy_atomic(source, self.log_dir / name)

    def _schedule_tracking(self) -> None:
        if not self.manifest or self.manifest["record"]["tracking"].get("status") != "pending":
            return
        if isinstance(self.parent, RecordWriter) and not self.parent.finished:
            return  # tracked with its parent, which needs its own MLflow run first
        from .mlflow_sync import schedule, schedule_orphans

        schedule(self)
        schedule_orphans(self.runs_dir)


def _copy_atomic(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _written_since(folder: Path, since: float, known: set[str]) -> list[Path]:
    """Visible files of ``folder`` modified since ``since``: what a failed run left behind."""
    if not folder.is_dir():
        return []
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or str(path) in known:
                continue
            try:
                if path.stat().st_mtime >= since - 1.0:
                    found.append(path)
            except OSError:
                continue
    return found


async def _finish_shielded(awaitable: Any) -> Any:
    """Finish the record even when the caller is cancelled meanwhile, then pass the cancellation on."""
    task = asyncio.ensure_future(awaitable)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()
