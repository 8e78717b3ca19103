"""Fixtures for the stages tests: AGILab-style lab_stages.toml files written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

# AGILab writes module arrays of inline tables; this one also carries keys this program never interprets.
AGILAB_INLINE = '''# Lab stages exported by AGILAB
uav_queue = [
  { D = "Seed the UAV relay queue scenario", Q = "Load or seed the queue", M = "gpt-5.4-mini", C = "APP = 'uav_queue_project'\\nprint(APP)\\n", R = "runpy", E = "", NB_SOURCE_NOTEBOOK = "seed.ipynb", NB_CELL_ID = "c0ffee", NB_CELL_INDEX = 3, NB_ENV_HINTS = ["pandas", "numpy"], automation = { outputs = ["queue.csv"], skip_if_outputs_exist = true, parallel_safe = false }, profiles = { smoke = { skip = true } } }, # seed stage
  { D = "", Q = "", C = "" },
  { D = "Summarise", Q = "Summarise the queue", M = "", C = "df = df.describe()\\n", R = "runpy", E = "", generation_mode = "python_snippet", id = "summary", deps = ["stage_1"] },
]

[__meta__]
# written by AGILAB 2026.05
schema = "agilab.lab_stages.v1"
version = 1
uav_queue__sequence = [2, 0]
uav_queue__automation = { profile = "smoke", max_workers = 2 }
'''

# The array-of-tables spelling of the same format.
AGILAB_TABLES = '''[[flight]]
D = "Load flights"  # description
Q = "Load the flight telemetry"
M = ""
C = """
import pandas as pd
df = pd.DataFrame({"a": [1, 2, 3]})
"""
R = "runpy"
E = ""
NB_EXECUTION_MODE = "not_executed_import"
future_key = { nested = [1, 2] }

[flight.automation]
outputs = ["flights.csv"]

[flight.profiles.fast]
enabled = false

[[flight]]
D = "Keep a few columns"
Q = "keep a"
C = "df = df[['a']]\\n"
R = "runpy"

[__meta__]
schema = "agilab.lab_stages.v1"
version = 1
flight__sequence = [0, 1]
flight__automation = { profile = "balanced", max_workers = 1 }
'''


@pytest.fixture
def inline_lab(tmp_path: Path) -> Path:
    path = tmp_path / "uav_queue" / "lab_stages.toml"
    path.parent.mkdir()
    path.write_text(AGILAB_INLINE, encoding="utf-8")
    return path


@pytest.fixture
def tables_lab(tmp_path: Path) -> Path:
    path = tmp_path / "flight" / "lab_stages.toml"
    path.parent.mkdir()
    path.write_text(AGILAB_TABLES, encoding="utf-8")
    return path
