"""Benchmark a set of modes in turn and write AGILab's ``benchmark.json``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text
from .errors import RunError
from .modes import DASK_MODE, mode_token


def humanize(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.1f} s"


def benchmark_table(runs: dict[int, dict[str, Any]], workers: dict[str, int]) -> dict[str, Any]:
    """AGILab's fields per mode: variant, nodes, node, mode token, timing, seconds, order, delta, date."""
    ranked = sorted(runs, key=lambda m: runs[m]["seconds"])
    best = runs[ranked[0]]["seconds"] if ranked else 0.0
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    table: dict[str, Any] = {}
    for mode in sorted(runs):
        seconds = runs[mode]["seconds"]
        dask = bool(mode & DASK_MODE)
        table[str(mode)] = {
            "variant": "dask" if dask else "local",
            "nodes": len(workers) if dask else 1,
            "node": ",".join(workers) if dask else "localhost",
            "mode": mode_token(mode),
            "timing": humanize(seconds),
            "seconds": round(seconds, 4),
            "work_seconds": runs[mode].get("work_seconds"),
            "order": ranked.index(mode) + 1,
            "delta": round(seconds - best, 4),
            "date": stamp,
        }
    return table


def write_benchmark(path: Path, table: dict[str, Any]) -> Path:
    atomic_write_text(path, json.dumps(table, indent=2))
    return path


def read_benchmark(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: not valid JSON ({exc})") from exc

