"""Where an AGILab app's results are: its data_out under the local share (modes 0-3) and the cluster
share (Dask modes), plus the files AGILab keeps beside them (reduce artefacts, benchmark, work plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import paths


def data_out(workspace: Any, app: Any) -> str:
    from ...settings import load_settings

    try:
        return str(load_settings(workspace, app).args.get("data_out") or f"{app.target}/dataframe")
    except Exception:  # unreadable settings are reported by the health cards
        return f"{app.target}/dataframe"


def output_dirs(workspace: Any, app: Any) -> list[tuple[str, Path]]:
    """``[("out", local share folder), ("cluster", cluster share folder)]``, the newer-written first."""
    value = data_out(workspace, app)
    dirs = [("out", paths.resolve_data(value, 0)), ("cluster", paths.resolve_data(value, 4))]

    def newest(folder: Path) -> float:
        try:
            return max((p.stat().st_mtime for p in folder.iterdir()), default=0.0)
        except OSError:
            return 0.0

    return sorted(dirs, key=lambda d: -newest(d[1]))


def artefacts(workspace: Any, app: Any) -> dict[str, list[Path]]:
    """Files ANALYSIS shows for an AGILab app, by kind (only those that exist)."""
    found: dict[str, list[Path]] = {"reduce": [], "benchmark": [], "distribution": [], "manifest": [], "log": []}
    for _, folder in output_dirs(workspace, app):
        found["reduce"] += sorted(folder.glob("reduce_summary_worker_*.json")) if folder.is_dir() else []
    for key, path in (("benchmark", paths.benchmark_file()),
                      ("distribution", paths.wenv_dir(app.target) / "distribution_tree.json"),
                      ("manifest", paths.log_dir(app.target) / "run_manifest.json"),
                      ("log", paths.log_dir(app.target) / "run.log")):
        if path.is_file():
            found[key].append(path)
    runs = paths.log_dir(app.target) / "runs"
    if runs.is_dir():
        found["manifest"] += sorted(runs.glob("*/run_manifest.json"))
    return found
