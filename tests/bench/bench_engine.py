"""Engine benchmark: prints whole-process times of install, runs per mode and benchmarks.

Run: python tests/bench/bench_engine.py [--repeat N]
Figures, not assertions: targets are printed beside the measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.stderr[-3000:]}")
    try:
        payload = json.loads(out.stdout)
    except json.JSONDecodeError:
        payload = {}
    return seconds, payload


def cli(env: dict[str, str], *args: str) -> tuple[float, dict]:
    return timed([*CLI, *args, "--json"], env)


def best_of(repeat: int, fn) -> tuple[float, dict]:
    runs = [fn() for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="agilab_bench_"))
    env = {**os.environ, "AGILAB_TUI_HOME": str(home)}
    print(f"workspace: {home}  cores: {os.cpu_count()}  python: {sys.version.split()[0]}")

    install_s, _ = cli(env, "install", "flight_telemetry", "--modes-enabled", "3")
    print(f"install flight (uv env + cython, warm uv cache): {install_s:.2f} s   [AGILab ~23 s]")
    for mode in (0, 1, 2, 4):
        seconds, payload = best_of(options.repeat, lambda m=mode: cli(env, "run", "flight_telemetry", "--mode", str(m)))
        work = payload.get("result", {}).get("work_seconds", float("nan"))
        ref = "3.3 s" if mode < 4 else "6-12 s"
        print(f"flight run mode {mode}: {seconds:.2f} s whole process (work {work:.2f} s)   [AGILab ~{ref}]")
    seconds, _ = cli(env, "benchmark", "flight_telemetry", "--modes", "0,1,2,3,4,5,6,7")
    print(f"flight benchmark of 8 modes: {seconds:.2f} s whole process   [AGILab ~18.6 s]")

    cli(env, "install", "execution_pandas", "--modes-enabled", "3")
    cli(env, "run", "execution_pandas", "--mode", "0")  # generates the dataset
    data_in = home / "data" / "execution_pandas" / "dataset"
    scratch = home / "handwritten_out"
    hand = []
    for _ in range(options.repeat):
        shutil.rmtree(scratch, ignore_errors=True)
        hand.append(timed([sys.executable, str(REPO / "tests/bench/handwritten_compute.py"), str(data_in),
                           str(scratch), "400"], env)[0])
    hand_s = min(hand)
    figures = {}
    for mode in (0, 1, 2):
        seconds, payload = best_of(options.repeat, lambda m=mode: cli(env, "run", "execution_pandas", "--mode", str(m)))
        figures[mode] = (seconds, payload["result"]["work_seconds"])
    m0, m1, m2 = figures[0], figures[1], figures[2]
    print(f"compute: hand-written pandas script {hand_s:.2f} s")
    print(f"compute: mode 0 {m0[0]:.2f} s whole (work {m0[1]:.2f} s) -> {m0[0] / hand_s:.2f}x the hand-written "
          "script   [target <= 1.2x]")
    print(f"compute: mode 1 {m1[0]:.2f} s whole (work {m1[1]:.2f} s) -> {m0[0] / m1[0]:.2f}x faster than mode 0 "
          f"whole, {m0[1] / m1[1]:.2f}x on work   [target >= 1.6x on 2 cores]")
    print(f"compute: mode 2 {m2[0]:.2f} s whole (work {m2[1]:.2f} s) -> {m0[0] / m2[0]:.2f}x faster than mode 0 "
          f"whole, {m0[1] / m2[1]:.2f}x on work   [target >= 2x]")
    print(f"(median of hand-written runs: {statistics.median(hand):.2f} s)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
