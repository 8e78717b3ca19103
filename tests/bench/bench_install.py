"""Install benchmark: a fresh ``agilab-tui install flight_telemetry_project`` (warm uv cache), split into the
worker env and the manager env, then the first and second runs of modes 0 and 4 after it.

Run: python tests/bench/bench_install.py [--modes-enabled 5] [--repeat 3] [--no-runs]
Figures, not assertions. Target (issue 14): the worker env in <= 0.25x AGILab's install (31.7 s measured
for the issue, so ~7.9 s). Steps are timed from the install's own log (each ``$ command`` line starts one).
The load average is printed: this machine is shared, and compiling and installing are CPU-bound.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]
APP = "flight_telemetry_project"
AGILAB_INSTALL_S = 31.7


def timed_install(env: dict[str, str], modes: str) -> tuple[float, list[tuple[str, float]], dict]:
    """Whole-process seconds, ``(step line, seconds)`` in order, and the JSON result."""
    started = time.perf_counter()
    child = subprocess.Popen([*CLI, "install", APP, "--modes-enabled", modes, "--json"], env=env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marks: list[tuple[str, float]] = [("start (engine import, staging sources)", started)]
    assert child.stderr is not None
    for line in child.stderr:
        # A step begins at its "$ argv" line; the manager section at "manager env:" (its preflight has no $ line).
        if line.startswith("$ ") or line.startswith("manager env:"):
            marks.append((line.strip(), time.perf_counter()))
        elif line.startswith("manager preflight ok:"):  # the manager section ends: the swap follows
            marks.append(("swap in, stamp, exit", time.perf_counter()))
    stdout = child.stdout.read() if child.stdout else ""
    child.wait()
    ended = time.perf_counter()
    if child.returncode != 0:
        raise SystemExit(f"install failed:\n{stdout[-3000:]}")
    steps = [(label, (marks[i + 1][1] if i + 1 < len(marks) else ended) - at) for i, (label, at) in enumerate(marks)]
    return ended - started, steps, json.loads(stdout)


def timed_run(env: dict[str, str], mode: int) -> float:
    started = time.perf_counter()
    done = subprocess.run([*CLI, "run", APP, "--mode", str(mode), "--json"], env=env, cwd=REPO,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"run mode {mode} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def _short(label: str, width: int = 90) -> str:
    return label if len(label) <= width else label[: width - 3] + "..."


def _pycs(venv: Path) -> int:
    return sum(1 for _ in venv.rglob("*.pyc")) if venv.exists() else 0


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes-enabled", default="5", help="as AGILab's install in bench_agilab.py (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="later runs per mode and env (median)")
    parser.add_argument("--no-runs", action="store_true", help="install only")
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="agilab_bench_install_"))
    lazy_env = {**os.environ, "AGILAB_TUI_HOME": str(root / "lazy")}
    print(f"workspaces: {root}  load average: {os.getloadavg()[0]:.2f}  cores: {os.cpu_count()}  "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    total, steps, _ = timed_install(lazy_env, options.modes_enabled)
    manager = sum(s for label, s in steps if "manager" in label)
    worker = total - manager
    for label, seconds in steps:
        print(f"  {seconds:6.2f} s  {'manager' if 'manager' in label else 'worker '}  {_short(label)}")
    wenv = root / "lazy" / "wenv" / "flight_telemetry_worker"
    print(f"install {APP} (modes {options.modes_enabled}): {total:.2f} s whole process; worker env {worker:.2f} s "
          f"= {worker / AGILAB_INSTALL_S:.2f}x AGILab's {AGILAB_INSTALL_S} s [target <= 0.25x], manager env "
          f"{manager:.2f} s; {_pycs(wenv / '.venv')} .pyc in the worker venv  (load {os.getloadavg()[0]:.2f})")
    if options.no_runs:
        shutil.rmtree(root, ignore_errors=True)
        return
    # The same install with everything compiled up front, as install did before (compileall of the venv and
    # the staged sources): what that costs now, and whether runs read bytecode any faster from it.
    compiled_env = {**os.environ, "AGILAB_TUI_HOME": str(root / "compiled")}
    timed_install(compiled_env, options.modes_enabled)
    compiled = root / "compiled" / "wenv" / "flight_telemetry_worker"
    started = time.perf_counter()
    subprocess.run([str(compiled / ".venv" / "bin" / "python"), "-m", "compileall", "-q", "-j", "0",
                    str(compiled / ".venv" / "lib"), str(compiled / "src")], check=True, capture_output=True)
    print(f"compileall of the worker env, as install did before: {time.perf_counter() - started:.2f} s, "
          f"{_pycs(compiled / '.venv')} .pyc  (load {os.getloadavg()[0]:.2f})")
    for mode in (0, 4):
        # Whichever env runs first after the installs is slower for reasons that are not bytecode (seen with
        # either one first): the order alternates per mode and is printed.
        if mode == 0:
            first_lazy, first_compiled = timed_run(lazy_env, mode), timed_run(compiled_env, mode)
        else:
            first_compiled, first_lazy = timed_run(compiled_env, mode), timed_run(lazy_env, mode)
        order = "lazy ran first" if mode == 0 else "compiled ran first"
        later: dict[str, list[float]] = {"lazy": [], "compiled": []}
        for _ in range(options.repeat):  # interleaved: a load change falls on both alike
            later["lazy"].append(timed_run(lazy_env, mode))
            later["compiled"].append(timed_run(compiled_env, mode))
        print(f"run mode {mode}: first after install {first_lazy:.2f} s lazy / {first_compiled:.2f} s compiled ({order}); "
              f"later runs (median of {options.repeat}) {_median(later['lazy']):.2f} s lazy / "
              f"{_median(later['compiled']):.2f} s compiled; {_pycs(wenv / '.venv')} .pyc written lazily "
              f"(load {os.getloadavg()[0]:.2f})")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
