"""Per-aircraft great-circle distance and speed between consecutive fixes.

Imports are absolute because the Cython path compiles this file into a top-level
``flight_telemetry_worker_cy`` extension, where relative imports would not resolve.
"""

import math
from pathlib import Path

from flight_telemetry_worker.reduction import FLIGHT_REDUCE_CONTRACT
from workers.pandas_worker import PandasWorker

EARTH_RADIUS_M = 6_371_000.0
COLUMNS = ["date", "aircraft", "long", "lat", "alt", "beam"]


def read_trajectory(path):
    """Read AGILab's trajectory CSV, with or without its leading unnamed index column."""
    import pandas as pd

    frame = pd.read_csv(path)
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed") or str(c) == ""]
    frame = frame.drop(columns=unnamed)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame[COLUMNS]


def add_speeds(frame):
    """Haversine distance (m) and speed (m/s) from each fix to the next one of the same aircraft."""
    import numpy as np

    frame = frame.sort_values(["aircraft", "date"], kind="mergesort").reset_index(drop=True)
    lat = np.radians(frame["lat"].to_numpy(dtype=float))
    lon = np.radians(frame["long"].to_numpy(dtype=float))
    same = (frame["aircraft"].to_numpy() == np.roll(frame["aircraft"].to_numpy(), 1))
    same[0] = False
    dlat = lat - np.roll(lat, 1)
    dlon = lon - np.roll(lon, 1)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(np.roll(lat, 1)) * np.sin(dlon / 2) ** 2
    distance = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    seconds = (frame["date"] - frame["date"].shift(1)).dt.total_seconds().to_numpy()
    distance = np.where(same, distance, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(same & (seconds > 0), distance / seconds, np.nan)
    frame["distance_m"] = distance
    frame["speed_mps"] = speed  # m/s; the reduce payload keeps AGILab's key names (speed_sum_m, ...)
    return frame


class FlightTelemetryWorker(PandasWorker):
    """One item = one trajectory file; one output file per aircraft and partition."""

    reduce_contract = FLIGHT_REDUCE_CONTRACT

    def start(self):
        # reset_target is applied once by the manager before dispatch, never by concurrent workers.
        self.data_out.mkdir(parents=True, exist_ok=True)

    def work_pool(self, item):
        frame = add_speeds(read_trajectory(item))
        frame["source_file"] = Path(item).name
        return frame

    def write_outputs(self, frame, metadata):
        stem = Path(str(metadata.get("partition", "part"))).stem
        paths = []
        for aircraft, group in frame.groupby("aircraft", sort=True):
            path = self.data_out / f"{stem}_{aircraft}.{self.output_format()}"
            paths.append(self.write_frame(group.reset_index(drop=True), path))
        return paths

    def reduce_chunk(self, frame, metadata, outputs):
        speeds = frame["speed_mps"].dropna()
        return {
            "flight_run_count": 1,
            "row_count": int(len(frame)),
            "source_files": sorted(frame["source_file"].unique().tolist()),
            "aircraft": sorted(str(a) for a in frame["aircraft"].unique()),
            "output_files": sorted(p.name for p in outputs),
            "output_formats": [self.output_format()],
            "speed_count": int(speeds.size),
            "speed_sum_m": math.fsum(speeds.tolist()),
            "distance_sum_m": math.fsum(frame["distance_m"].dropna().tolist()),
            "max_speed_m": float(speeds.max()) if speeds.size else 0.0,
            "time_start": str(frame["date"].min()),
            "time_end": str(frame["date"].max()),
        }
