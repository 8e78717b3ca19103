"""Defect 5 of issue 16: generated demo data appears whole or not at all, also on a full disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fault_helpers import REPO_ROOT, set_args

MARKER = ".agilab_generated.json"  # workers.dataset.MARKER, spelled out so this file imports on older trees

pytestmark = pytest.mark.slow
FLIGHT = "flight_telemetry_project"


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "AGILAB_TUI_HOME": str(home)})


@pytest.fixture()
def small_tmpfs(tmp_path: Path):
    mount = tmp_path / "share"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_generation_on_a_full_disk_keeps_nothing_then_regenerates(tmp_path: Path, small_tmpfs: Path):
    home = tmp_path / "home"
    dataset = small_tmpfs / "dataset"
    # 8 trajectories of ~75 KB each need ~600 KB: the 400 KB tmpfs fills up during the 6th file.
    set_args(home, FLIGHT, data_in=str(dataset), synthetic_aircraft=8, synthetic_points=1200)
    installed = _cli(home, "install", FLIGHT, "--modes-enabled", "0")
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]

    full = _cli(home, "distribute", FLIGHT)
    output = full.stdout + full.stderr
    assert full.returncode != 0, output[-2000:]
    assert "No space left on device" in output and str(dataset) in output, output[-2000:]
    # whole or nothing: no CSV, cut or whole, and no staging folder left behind
    assert not dataset.exists() or not any(dataset.iterdir()), sorted(p.name for p in dataset.iterdir())
    assert sorted(p.name for p in small_tmpfs.iterdir()) in ([], ["dataset"])

    subprocess.run(["mount", "-o", "remount,size=4m", str(small_tmpfs)], check=True)
    freed = _cli(home, "distribute", FLIGHT)
    assert freed.returncode == 0, freed.stdout[-2000:] + freed.stderr[-2000:]
    csvs = sorted(dataset.glob("*.csv"))
    assert len(csvs) == 8
    marker = json.loads((dataset / MARKER).read_text())
    assert {name: info["size"] for name, info in marker["files"].items()} == {p.name: p.stat().st_size for p in csvs}
    plan = json.loads((home / "wenv" / "flight_telemetry_worker" / "distribution_tree.json").read_text())
    assert sum(len(slot) for slot in plan["work_plan_metadata"]) == 8

    # a generated file damaged later (cut mid-row) is noticed and the set generated again, not reused
    with open(csvs[-1], "r+b") as handle:
        handle.truncate(csvs[-1].stat().st_size // 2)
    again = _cli(home, "distribute", FLIGHT)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert csvs[-1].stat().st_size == marker["files"][csvs[-1].name]["size"]


def test_user_data_without_a_marker_is_used_as_it_is(tmp_path: Path):
    from workers.dataset import dataset_ready, generate_dataset

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n1\n")
    assert dataset_ready(folder)
    generated = tmp_path / "generated"
    generate_dataset(generated, lambda staging: (staging / "b.csv").write_text("y\n2\n"), log=lambda line: None)
    assert dataset_ready(generated) and (generated / "b.csv").read_text() == "y\n2\n"
    (generated / "b.csv").unlink()
    assert not dataset_ready(generated)
