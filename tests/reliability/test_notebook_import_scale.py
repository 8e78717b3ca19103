"""Defect 9: notebook import is linear; 20,000 cells merge correctly into a lab with a saved run order.

Timing lives in tests/bench/bench_notebook_import.py; this test checks the result. It is also the
reproduction: each added stage used to rewrite the whole saved sequence (quadratic), so this test
ran for many minutes before the fix (pytest-timeout stops it).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_notebook_import import make_notebook  # noqa: E402

from engine.stages import LabStagesFile  # noqa: E402
from engine.stages_run.lab import Lab  # noqa: E402
from engine.stages_run.notebook_import import apply_import, preview_notebook_import  # noqa: E402

CELLS = 20_000
SEEDED = ('[__meta__]\nschema = "agilab.lab_stages.v1"\nversion = 1\nbig__sequence = [1, 0]\n\n'
          '[[big]]\nD = "first"\nQ = "q"\nC = "print(0)"\n\n[[big]]\nD = "second"\nQ = "q"\nC = "print(1)"\n')


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("replace", [False, True], ids=["append", "replace"])
def test_twenty_thousand_cells_merge_in_order(tmp_path: Path, replace: bool):
    notebook = make_notebook(tmp_path / "big.ipynb", CELLS)
    stages_file = tmp_path / "big" / "lab_stages.toml"
    stages_file.parent.mkdir()
    stages_file.write_text(SEEDED)
    lab = Lab.from_file(stages_file, app="big_project")
    preview = preview_notebook_import(notebook)
    assert len(preview.stages) == CELLS
    count = apply_import(preview, lab, replace=replace)
    existing = 0 if replace else 2
    assert count == CELLS + existing
    data = tomllib.loads(stages_file.read_text("utf-8"))
    stages = data["big"]
    assert len(stages) == CELLS + existing
    assert [s["NB_CELL_INDEX"] for s in stages[existing:]] == [2 * i + 1 for i in range(CELLS)]
    assert stages[existing + 12345]["D"] == "Step 12345\nexplains 12345"
    assert "x_19999 = 19999 * 2" in stages[-1]["C"]
    # The saved order keeps its own choices and runs every imported stage after them, in order.
    expected = [*range(CELLS)] if replace else [1, 0, *range(2, CELLS + 2)]
    assert data["__meta__"]["big__sequence"] == expected
    assert LabStagesFile.load(stages_file).sequence("big") == expected
