"""``PandasWorker``: work_pool returns DataFrames; work_done concatenates and writes one output per chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base_worker import BaseWorker
from .reduce import ReducePartial


class PandasWorker(BaseWorker):
    """Writes ``<worker_id>_output_<k>.<parquet|csv>`` per chunk, as AGILab's PandasWorker does."""

    def work_init(self) -> None:
        # Imported before the pool forks so pool processes inherit pandas instead of importing it again.
        import pandas  # noqa: F401

    def output_format(self) -> str:
        fmt = str(self.args.get("output_format", "parquet")).lower()
        if fmt not in {"parquet", "csv"}:
            raise ValueError(f"output_format must be parquet or csv, got {fmt!r}")
        return fmt

    def write_frame(self, frame: Any, path: Path) -> Path:
        import contextlib
        import os
        import tempfile

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        try:
            if path.suffix == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_csv(tmp, index=False)
            os.replace(tmp, path)
        except BaseException as exc:
            # A full disk must not leave a hidden half-written file behind, and must name the output.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            if isinstance(exc, OSError) and not exc.filename:
                raise OSError(exc.errno, str(exc.strerror or exc), str(path)) from exc
            raise
        return path

    def write_outputs(self, frame: Any, metadata: dict[str, Any]) -> list[Path]:
        """Default output layout; apps override to split differently (one file per aircraft…)."""
        index = len(self.outputs)
        path = self.data_out / f"{self.worker_id}_output_{index}.{self.output_format()}"
        return [self.write_frame(frame, path)]

    def reduce_chunk(self, frame: Any, metadata: dict[str, Any], outputs: list[Path]) -> dict[str, Any] | None:
        """Return this chunk's reduce payload, or None when the app declares no reduction."""
        return None

    def work_done(self, results: list[Any], metadata: dict[str, Any]) -> ReducePartial | None:
        import pandas as pd

        frames = [r for r in results if r is not None and len(r)]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        outputs = self.write_outputs(frame, metadata) if len(frame) else []
        self.outputs.extend(str(p) for p in outputs)
        payload = self.reduce_chunk(frame, metadata, outputs)
        if payload is None:
            return None
        return ReducePartial(str(metadata.get("partition", len(self.partials))), payload)
