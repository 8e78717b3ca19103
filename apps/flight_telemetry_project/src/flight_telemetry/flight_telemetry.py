"""Manager: validate arguments, generate the demo dataset when missing, build the work plan."""

from __future__ import annotations

import csv
import math
import random
from datetime import datetime, timedelta
from pathlib import Path

from workers.dataset import dataset_ready, generate_dataset
from workers.plan import WorkPlan

from .app_args import FlightTelemetryArgs

_START = datetime(2024, 1, 1, 8, 0, 0)


class FlightTelemetry:
    """Partitions are input files, weighted by their size in KB."""

    Args = FlightTelemetryArgs
    worker_class = "FlightTelemetryWorker"

    def __init__(self, args: FlightTelemetryArgs, data_in: Path, data_out: Path):
        self.args = args
        self.data_in = data_in
        self.data_out = data_out

    def input_files(self) -> list[Path]:
        files = sorted(p for p in self.data_in.glob(self.args.files) if p.is_file())
        return files[: self.args.nfile] if self.args.nfile else files

    def prepare_data(self, log=print) -> None:
        """Write deterministic synthetic trajectories when the input folder has no CSV yet."""
        if dataset_ready(self.data_in):
            return
        log(f"generating {self.args.synthetic_aircraft} synthetic trajectories in {self.data_in}")

        def write(folder: Path) -> None:
            for index in range(self.args.synthetic_aircraft):
                write_synthetic_trajectory(folder / f"flight_{index:03d}.csv", index, self.args.synthetic_points)

        generate_dataset(self.data_in, write, log)

    def build_distribution(self, workers: dict[str, int]) -> WorkPlan:
        files = self.input_files()
        if not files:
            raise ValueError(f"no input file matches '{self.args.files}' in {self.data_in}")
        partitions = [(f.name, round(f.stat().st_size / 1024, 3), [str(f)]) for f in files]
        plan = WorkPlan.from_partitions(workers, partitions, partition_key="file", nb_unit="size_kb",
                                        weights_unit="KB", target_args=self.args.model_dump())
        plan.cache_context = {"inputs": {f.name: f.stat().st_size for f in files}}
        return plan


def write_synthetic_trajectory(path: Path, seed: int, points: int) -> None:
    """One aircraft flying a noisy great-circle-ish path, one fix every 10 s, AGILab's CSV layout."""
    rng = random.Random(1000 + seed)
    lon, lat = -5.0 + rng.random() * 10, 40.0 + rng.random() * 10
    heading = rng.random() * 2 * math.pi
    alt = 9000 + rng.random() * 3000
    speed = 200 + rng.random() * 60  # m/s
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["", "date", "aircraft", "long", "lat", "alt", "beam"])
        for i in range(points):
            when = _START + timedelta(seconds=10 * i)
            out.writerow([i, when.strftime("%Y-%m-%d %H:%M:%S"), f"AC{seed:03d}", f"{lon:.6f}", f"{lat:.6f}",
                          f"{alt:.1f}", rng.randint(0, 15)])
            heading += rng.gauss(0, 0.02)
            step = speed * 10 + rng.gauss(0, 50)
            lat += math.degrees(step * math.cos(heading) / 6_371_000)
            lon += math.degrees(step * math.sin(heading) / (6_371_000 * max(math.cos(math.radians(lat)), 0.01)))
            alt = max(500.0, alt + rng.gauss(0, 15))
