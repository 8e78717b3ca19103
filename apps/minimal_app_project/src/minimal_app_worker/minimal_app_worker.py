"""Squares the numbers of each range and writes them to one file per partition."""

from pathlib import Path

from minimal_app_worker.reduction import MINIMAL_APP_REDUCE_CONTRACT
from workers.pandas_worker import PandasWorker


class MinimalAppWorker(PandasWorker):
    """One item = one ``[start, stop)`` range."""

    reduce_contract = MINIMAL_APP_REDUCE_CONTRACT

    def start(self):
        self.data_out.mkdir(parents=True, exist_ok=True)

    def work_pool(self, item):
        import pandas as pd

        start, stop = item
        numbers = list(range(start, stop))
        return pd.DataFrame({"n": numbers, "square": [n * n for n in numbers]})

    def write_outputs(self, frame, metadata):
        name = Path(str(metadata.get("partition", "part"))).stem
        return [self.write_frame(frame, self.data_out / f"{name}.{self.output_format()}")]

    def reduce_chunk(self, frame, metadata, outputs):
        return {"count": int(len(frame)), "square_sum": int(frame["square"].sum())}
