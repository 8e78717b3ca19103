"""Notebook import time against the number of cells: preview + merge into a lab (``import-notebook --apply``).

Prints one line per size; the import must stay linear (20,000 cells in well under 10 s).
Run: ``python tests/bench/bench_notebook_import.py [SIZES...]``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def make_notebook(path: Path, cells: int) -> Path:
    """A notebook alternating markdown and code cells, ``cells`` code cells in all."""
    items = []
    for i in range(cells):
        items.append({"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": f"# Step {i}\nexplains {i}"})
        items.append({"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
                      "source": f"df = df if 'df' in dir() else None\nx_{i} = {i} * 2\nprint('cell {i}', x_{i})\n"})
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": items}))
    return path


def import_once(cells: int) -> tuple[float, float, float, int]:
    from engine.stages_run.lab import Lab
    from engine.stages_run.notebook_import import apply_import, preview_notebook_import

    with tempfile.TemporaryDirectory() as tmp:
        notebook = make_notebook(Path(tmp) / "big.ipynb", cells)
        lab = Lab.from_file(Path(tmp) / "lab" / "lab_stages.toml", app="bench_project")
        started, cpu = time.perf_counter(), time.process_time()
        preview = preview_notebook_import(notebook)
        previewed = time.perf_counter()
        count = apply_import(preview, lab)
        done = time.perf_counter()
    return previewed - started, done - started, time.process_time() - cpu, count


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [500, 1000, 2000, 20000]
    # CPU seconds as well as wall seconds: on a shared, loaded machine the wall clock says little.
    print(f"{'cells':>7} {'preview s':>10} {'total s':>9} {'cpu s':>7} {'stages':>7}")
    for size in sizes:
        preview, total, cpu, count = import_once(size)
        print(f"{size:>7} {preview:>10.2f} {total:>9.2f} {cpu:>7.2f} {count:>7}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
