"""Manager: generate the compute dataset when missing and spread files over the worker slots."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from workers.dataset import dataset_ready, generate_dataset
from workers.plan import WorkPlan

from .app_args import ExecutionPandasArgs


class ExecutionPandas:
    """Partitions are files weighted by size in KB (AGILab's ``("file", "size_kb", "KB")``)."""

    Args = ExecutionPandasArgs
    worker_class = "ExecutionPandasWorker"

    def __init__(self, args: ExecutionPandasArgs, data_in: Path, data_out: Path):
        self.args = args
        self.data_in = data_in
        self.data_out = data_out

    def input_files(self) -> list[Path]:
        files = sorted(p for p in self.data_in.glob(self.args.files) if p.is_file())
        return files[: self.args.nfile] if self.args.nfile else files

    def prepare_data(self, log=print) -> None:
        if dataset_ready(self.data_in):
            return
        log(f"generating {self.args.n_partitions} files of {self.args.rows_per_file} rows in {self.data_in}")

        def write(folder: Path) -> None:
            for index in range(self.args.n_partitions):
                rng = random.Random(7 + index)
                with open(folder / f"part_{index:03d}.csv", "w", newline="", encoding="utf-8") as handle:
                    out = csv.writer(handle)
                    out.writerow(["id", "x", "r"])
                    for row in range(self.args.rows_per_file):
                        out.writerow([index * self.args.rows_per_file + row, f"{rng.uniform(0.05, 0.95):.6f}",
                                      f"{rng.uniform(2.8, 4.0):.6f}"])

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
