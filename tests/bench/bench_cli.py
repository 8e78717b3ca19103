"""CLI start-up benchmark: whole-process medians of ``agilab-tui apps --json`` and ``agilab-tui --help``.

Run: python tests/bench/bench_cli.py [--runs 10]
Figures, not assertions. The target (issue 14) is ``apps --json`` <= 0.15 s; ``python -c pass`` is printed
as the floor on this machine (load changes both), and AGILab's ``agilab --help`` when its test venv exists.
What is imported is checked by tests/cli/test_cli_startup.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "agilab"))


def _console_script(source_tree: bool) -> list[str]:
    """The installed ``agilab-tui`` script itself (a pyenv shim in front of it would add a bash start), or with
    ``source_tree`` the code of the checkout holding this file (a ``git worktree`` of an older commit: before/after)."""
    script = Path(sys.executable).parent / "agilab-tui"
    if script.exists() and not source_tree:
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]


def measure(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (user + system) seconds of each command; the commands take turns, so a load
    change on this shared machine falls on all of them alike."""
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            samples[label].append((wall, cpu))
    return {label: (statistics.median(w for w, _ in rows), statistics.median(c for _, c in rows))
            for label, rows in samples.items()}


def _agilab_script() -> Path | None:
    try:
        from agilab_env import venv_python
    except ImportError:
        return None
    script = venv_python().parent / "agilab"
    return script if script.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--source-tree", action="store_true",
                        help="run this checkout's code (python -c from its root) instead of the installed script")
    options = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="agilab_bench_cli_"))
    env = {**os.environ, "AGILAB_TUI_HOME": str(home)}
    script = _console_script(options.source_tree)
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "agilab-tui apps --json": [*script, "apps", "--json"],
                "agilab-tui --help": [*script, "--help"]}
    agilab = _agilab_script()
    if agilab is not None:
        commands["agilab --help (AGILab)"] = [str(agilab), "--help"]
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f}  cores: {os.cpu_count()}  runs: {options.runs} each, "
          "interleaved (median)")
    figures = measure(commands, env, options.runs)
    floor_wall, floor_cpu = figures["python -c pass"]
    targets = {"agilab-tui apps --json": "   [target <= 0.15 s wall; was 0.33 s]",
               "agilab --help (AGILab)": "   [reference: 0.11 s wall when measured for the issue]"}
    for label, (wall, cpu) in figures.items():
        extra = "" if label == "python -c pass" else f"  (+{wall - floor_wall:.3f} s wall, +{cpu - floor_cpu:.3f} s cpu over python)"
        print(f"{label:<24} wall {wall:.3f} s  cpu {cpu:.3f} s{extra}{targets.get(label, '')}")
    if agilab is None:
        print("agilab --help (AGILab): not measured: AGILab's test venv is absent (tests/agilab/agilab_env.py)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
