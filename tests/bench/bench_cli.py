"""CLI start-up benchmark: whole-process medians of ``agilab-tui apps --json`` and ``agilab-tui --help``.

Run: python tests/bench/bench_cli.py [--runs 10]
Figures, not assertions. The target (issue 14) is ``apps --json`` <= 0.15 s; ``python -c pass`` is printed
as the floor on this machine (load changes both), and AGILab's ``agilab --help`` when its test venv exists.
What is imported is checked by tests/cli/test_cli_startup.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "agilab"))


def _console_script() -> list[str]:
    """The installed ``agilab-tui`` script itself (a pyenv shim in front of it would add a bash start)."""
    script = Path(sys.executable).parent / "agilab-tui"
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]


def median_seconds(argv: list[str], env: dict[str, str], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(seconds)


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
    options = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="agilab_bench_cli_"))
    env = {**os.environ, "AGILAB_TUI_HOME": str(home)}
    script = _console_script()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}  cores: {os.cpu_count()}  "
          f"runs: {options.runs} (median)")
    floor = median_seconds([sys.executable, "-c", "pass"], env, options.runs)
    print(f"python -c pass:            {floor:.3f} s")
    for args, target in ((["apps", "--json"], "   [target <= 0.15 s; was 0.33 s]"), (["--help"], "")):
        seconds = median_seconds([*script, *args], env, options.runs)
        print(f"agilab-tui {' '.join(args):<15} {seconds:.3f} s  ({seconds / floor:.2f}x python -c pass, "
              f"+{seconds - floor:.3f} s){target}")
    agilab = _agilab_script()
    if agilab is not None:
        seconds = median_seconds([str(agilab), "--help"], env, options.runs)
        print(f"agilab --help (AGILab):    {seconds:.3f} s   [reference, 0.11 s measured earlier]")
    else:
        print("agilab --help (AGILab):    not measured: AGILab's test venv is absent (tests/agilab/agilab_env.py)")


if __name__ == "__main__":
    main()
