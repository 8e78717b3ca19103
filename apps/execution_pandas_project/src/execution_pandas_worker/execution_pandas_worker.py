"""Loop-heavy kernel in Cython's pure-Python mode.

Interpreted, the ``cython`` annotations are inert and the loops run as Python; compiled by the
Cython path (mode bit 2) the same source becomes typed C loops. Imports stay absolute because the
compiled module is the top-level ``execution_pandas_worker_cy``.
"""

import math
from pathlib import Path

import cython

from execution_pandas_worker.reduction import EXECUTION_REDUCE_CONTRACT
from workers.pandas_worker import PandasWorker


@cython.ccall
def logistic_orbit(x: cython.double, r: cython.double, steps: cython.int) -> tuple:
    """Mean and maximum of the logistic-map orbit starting at ``x``."""
    total: cython.double = 0.0
    peak: cython.double = 0.0
    _step: cython.int
    for _step in range(steps):
        x = r * x * (1.0 - x)
        total += x
        if x > peak:
            peak = x
    return total / steps, peak


def orbit_columns(xs: list, rs: list, steps: cython.int):
    """Apply the kernel row by row; returns (means, peaks)."""
    n: cython.Py_ssize_t = len(xs)
    means = [0.0] * n
    peaks = [0.0] * n
    i: cython.Py_ssize_t
    for i in range(n):
        means[i], peaks[i] = logistic_orbit(xs[i], rs[i], steps)
    return means, peaks


class ExecutionPandasWorker(PandasWorker):
    """One item = one CSV file of ``id, x, r`` rows."""

    reduce_contract = EXECUTION_REDUCE_CONTRACT

    def start(self):
        self.data_out.mkdir(parents=True, exist_ok=True)

    def work_pool(self, item):
        import pandas as pd

        frame = pd.read_csv(item)
        means, peaks = orbit_columns(frame["x"].tolist(), frame["r"].tolist(), int(self.args.get("iterations", 400)))
        frame["orbit_mean"] = means
        frame["orbit_max"] = peaks
        frame["source_file"] = Path(item).name
        return frame

    def write_outputs(self, frame, metadata):
        stem = Path(str(metadata.get("partition", "part"))).stem
        return [self.write_frame(frame, self.data_out / f"{stem}_scored.{self.output_format()}")]

    def reduce_chunk(self, frame, metadata, outputs):
        means = frame["orbit_mean"].tolist()
        return {
            "row_count": len(frame),
            "file_count": 1,
            "mean_sum": math.fsum(means),
            "weighted_score": math.fsum(m * r for m, r in zip(means, frame["r"].tolist(), strict=True)),
            "max_value": max(frame["orbit_max"].tolist(), default=0.0),
        }
