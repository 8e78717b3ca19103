"""Run a work plan in this interpreter (modes 0-3) or on a Dask cluster (modes 4-7).

Started by the engine inside the worker environment: ``python -m workers.runner SPEC.json``.
Progress and the final result travel back as protocol lines (:mod:`workers.protocol`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from .base_worker import WorkerContext, ensure_on_path
from .lifeline import watch_parent
from .loader import load_worker_class
from .protocol import emit
from .reduce import ReducePartial, write_artifact

DASK_BIT = 4
MERGED_ARTIFACT = "reduce_summary.json"


def _context(spec: dict[str, Any], slot: int, label: str) -> WorkerContext:
    return WorkerContext(worker_id=slot, slot_label=label, mode=spec["mode"], args=spec["args"],
                         data_in=spec["data_in"], data_out=spec["data_out"],
                         pool_workers=spec.get("pool_workers", 0), pool_executor=spec.get("pool_executor", "auto"))


def run_slot(spec: dict[str, Any], slot: int, shipped: list[list[Any]] | None = None) -> dict[str, Any]:
    """Run one worker slot's chunks; called in-process or inside a Dask worker.

    With ``shipped`` chunks (no shared filesystem), input files arrive as bytes, the work runs in a
    scratch folder on the worker host, and the outputs travel back in the report as bytes.
    """
    for folder in spec.get("src_paths", []):
        ensure_on_path(folder)
    cls = load_worker_class(spec["worker_package"], spec["worker_class"], spec["mode"])
    plan = spec["plan"]
    label = plan["worker_slots"][slot]
    if shipped is None:
        worker = cls(_context(spec, slot, label))
        return worker.works(plan["work_plan"][slot], plan["work_plan_metadata"][slot])
    scratch = Path(tempfile.mkdtemp(prefix=f"agilab_slot{slot}_"))
    try:
        local = {**spec, "data_in": str(scratch / "in"), "data_out": str(scratch / "out")}
        chunks = materialize_items(shipped, scratch / "in")
        worker = cls(_context(local, slot, label))
        report = worker.works(chunks, plan["work_plan_metadata"][slot])
        out = scratch / "out"
        report["output_blobs"] = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
        return report
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def ship_items(chunks: list[list[Any]]) -> list[list[Any]]:
    """Replace each input file path by its name and bytes so it can travel through Dask."""
    return [[{"__file__": Path(i).name, "data": Path(i).read_bytes()} if isinstance(i, str) and Path(i).is_file()
             else i for i in chunk] for chunk in chunks]


def materialize_items(chunks: list[list[Any]], folder: Path) -> list[list[Any]]:
    """Write shipped files into ``folder`` and hand the worker ordinary local paths."""
    folder.mkdir(parents=True, exist_ok=True)
    result = []
    for chunk in chunks:
        items = []
        for item in chunk:
            if isinstance(item, dict) and "__file__" in item:
                path = folder / Path(item["__file__"]).name
                path.write_bytes(item["data"])
                item = str(path)
            items.append(item)
        result.append(items)
    return result


def land_outputs(report: dict[str, Any], data_out: str) -> dict[str, Any]:
    """Write a shipped report's output files into the manager's data_out and point the report at them."""
    target = Path(data_out)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in report.pop("output_blobs", {}).items():
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=target)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target / name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)  # a full disk leaves no hidden temp file behind
            raise
    report["outputs"] = [str(target / Path(o).name) for o in report["outputs"]]
    if report.get("artifact_path"):
        report["artifact_path"] = str(target / Path(report["artifact_path"]).name)
    return report


def _merge(spec: dict[str, Any], reports: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str | None]:
    cls = load_worker_class(spec["worker_package"], spec["worker_class"], spec["mode"])
    contract = getattr(cls, "reduce_contract", None)
    partials = [ReducePartial(p["partial_id"], p["payload"]) for r in reports for p in r["partials"]]
    if contract is None or not partials:
        return None, None
    artifact = contract.build(partials)
    path = write_artifact(artifact, spec["data_out"], MERGED_ARTIFACT)
    return artifact.to_dict(), str(path)


def run_local(spec: dict[str, Any]) -> list[dict[str, Any]]:
    plan = spec["plan"]
    total = sum(len(chunk) for slot in plan["work_plan"] for chunk in slot)
    cls = load_worker_class(spec["worker_package"], spec["worker_class"], spec["mode"])
    emit("implementation", {"module": cls.__module__, "file": getattr(sys.modules[cls.__module__], "__file__", "")})
    reports: list[dict[str, Any]] = []
    done_before = 0
    for slot, label in enumerate(plan["worker_slots"]):
        worker = cls(_context(spec, slot, label))

        def progress(done: int, _total: int, base: int = done_before, step: str = label) -> None:
            emit("progress", {"done": base + done, "total": total, "step": step})

        reports.append(worker.works(plan["work_plan"][slot], plan["work_plan_metadata"][slot], progress))
        done_before += reports[-1]["items"]
    return reports


class WorkersLost(RuntimeError):
    """Every Dask worker died and none joined within the allowed time."""


def run_dask(spec: dict[str, Any], scheduler: str) -> list[dict[str, Any]]:
    from distributed import Client, wait

    plan = spec["plan"]
    labels = plan["worker_slots"]
    timeout = float(spec.get("worker_loss_timeout", 30))
    with Client(scheduler, timeout=60) as client:
        client.wait_for_workers(len(labels), timeout=120)
        by_name = {str(info.get("name")): address for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}
        missing = [label for label in labels if label not in by_name]
        if missing:
            raise RuntimeError(f"no Dask worker named {', '.join(missing)} (connected: {', '.join(sorted(by_name))})")
        emit("dask", {"workers": {label: by_name[label] for label in labels}})
        # allow_other_workers lets the scheduler move a slot to a live worker if its own dies mid-run.
        ship = bool(spec.get("ship_data"))
        emit("transfer", {"partitions": "through dask" if ship else "shared folder"})
        futures = {client.submit(run_slot, spec, slot, ship_items(plan["work_plan"][slot]) if ship else None,
                                 workers=[by_name[label]], allow_other_workers=True,
                                 pure=False, key=f"agilab-slot-{slot}-{time.time_ns()}"): slot
                   for slot, label in enumerate(labels)}
        reports: list[dict[str, Any]] = [{}] * len(labels)
        total_items = sum(len(c) for slot in plan["work_plan"] for c in slot)
        done = 0
        known = {address: name for name, address in by_name.items()}
        lost: set[str] = set()
        alone_since: float | None = None
        pending = set(futures)
        # Polled rather than as_completed(): Dask waits forever for a worker when all are gone.
        while pending:
            try:
                finished, pending = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:  # distributed.wait raises when nothing finished within the timeout
                finished = set()
            for future in finished:
                report = future.result()
                if ship:
                    report = land_outputs(report, spec["data_out"])
                reports[futures[future]] = report
                done += report["items"]
                emit("progress", {"done": done, "total": total_items, "step": report["slot"]})
            if not pending:
                break
            live = {address: str(info.get("name")) for address, info in
                    client.scheduler_info(n_workers=-1)["workers"].items()}
            for address, name in known.items():
                if address not in live and address not in lost:
                    lost.add(address)
                    emit("worker_lost", {"name": name, "address": address, "remaining": len(live)})
            known.update(live)
            if live:
                alone_since = None
                continue
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since >= timeout:
                names = ", ".join(sorted(known[a] for a in lost))
                raise WorkersLost(f"every Dask worker was lost ({names}) and none joined within {timeout:g} s "
                                  f"(cluster.worker_loss_timeout); {len(pending)} of {len(futures)} slot(s) unfinished")
    return reports


def _kept_outputs(data_out: str) -> list[str]:
    """Output files already written when a run fails: they are kept, so they are listed."""
    folder = Path(data_out)
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    # The engine also sets a parent-death signal; the watchdog covers systems without one.
    watch_parent()
    spec = json.loads(Path(args[0]).read_text("utf-8"))
    for folder in spec.get("src_paths", []):
        ensure_on_path(folder)
    started = time.perf_counter()
    try:
        scheduler = spec.get("scheduler")
        reports = run_dask(spec, scheduler) if spec["mode"] & DASK_BIT else run_local(spec)
        reduce_dict, reduce_path = _merge(spec, reports)
    except Exception as exc:
        if not isinstance(exc, WorkersLost):  # that message says all there is to say
            traceback.print_exc()
        emit("error", {"error": f"{type(exc).__name__}: {exc}", "partial_outputs": _kept_outputs(spec["data_out"])})
        return 1
    emit("result", {
        "work_seconds": round(time.perf_counter() - started, 4),
        "reports": reports,
        "outputs": sorted(o for r in reports for o in r["outputs"]),
        "reduce": reduce_dict,
        "reduce_path": reduce_path,
        "implementations": sorted({r["implementation"] for r in reports}),
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
