"""Manager: split an integer range into weighted partitions."""

from __future__ import annotations

from pathlib import Path

from workers.plan import WorkPlan

from .app_args import MinimalAppArgs


class MinimalApp:
    """Partitions are integer ranges weighted by their length."""

    Args = MinimalAppArgs
    worker_class = "MinimalAppWorker"

    def __init__(self, args: MinimalAppArgs, data_in: Path, data_out: Path):
        self.args = args
        self.data_in = data_in
        self.data_out = data_out

    def prepare_data(self, log=print) -> None:
        self.data_in.mkdir(parents=True, exist_ok=True)

    def build_distribution(self, workers: dict[str, int]) -> WorkPlan:
        n, parts = self.args.n_items, min(self.args.n_partitions, self.args.n_items)
        bounds = [round(i * n / parts) for i in range(parts + 1)]
        partitions = [(f"range_{i:03d}", float(bounds[i + 1] - bounds[i]), [[bounds[i], bounds[i + 1]]])
                      for i in range(parts)]
        return WorkPlan.from_partitions(workers, partitions, partition_key="range", nb_unit="items",
                                        weights_unit="items", target_args=self.args.model_dump())
