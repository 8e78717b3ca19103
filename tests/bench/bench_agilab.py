"""Our overhead on an AGILab-backed run vs the same run from AGILab's own entry point (whole process).

Both sides run AGILab's flight_telemetry_project, mode 0, the 28 trajectory files, in the same
scratch HOME and AGILab venv (tests/agilab/agilab_env.py: shared, installed once):

- AGILab: ``<agilab python> AGI_run_flight_telemetry.py`` (the snippet, AGILab's public API, as AGILab's
  own ``run_agi`` executes it);
- ours: ``agilab-tui run agilab:flight_telemetry_project --mode 0`` (discovery, settings, snippet, the
  same subprocess, streaming, process-tree reaping, run record with its MLflow run), and the same with
  ``AGILAB_TUI_RECORDS=0`` to separate what the run record costs.

Prints the median of N runs each (after one warm-up). Usage: ``python tests/bench/bench_agilab.py [N]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.agilab.agilab_env import agilab_env, cli, ensure_install, prepare_home  # noqa: E402

APP = "agilab:flight_telemetry_project"


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed:\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    python = ensure_install()
    scratch = Path(tempfile.mkdtemp(prefix="bench_agilab_"))
    home = prepare_home(scratch / "home", python)
    env = agilab_env(home, python, scratch / "workspace")
    started = time.perf_counter()
    done = cli(env, "install", APP, "--modes-enabled", "5", "--json")
    if not json.loads(done.stdout)["ok"]:
        raise SystemExit(done.stderr[-2000:])
    print(f"install (AGI.install through agilab-tui, one-time): {time.perf_counter() - started:.1f} s")
    settings = home / ".agilab" / "apps" / "flight_telemetry_project" / "app_settings.toml"
    settings.write_text(settings.read_text().replace('files = "*"\n', 'files = "*.csv"\n').replace("nfile = 1\n", "nfile = 0\n"))
    ours = [sys.executable, "-m", "tui", "run", APP, "--mode", "0", "--json"]
    timed(ours, env, REPO)  # warm-up; also writes the snippet AGILab's side runs
    snippet = home / "log" / "execute" / "flight_telemetry" / "AGI_run_flight_telemetry.py"
    from engine.backends.agilab.discovery import find_install
    from engine.backends.agilab.runner import child_env
    from engine.workspace import Workspace

    os.environ.update(HOME=str(home), AGILAB_PYTHON=str(python))
    install = find_install(Workspace(scratch / "workspace"))
    agilab_side_env = child_env(install, "bench")
    theirs = [str(python), "-u", str(snippet)]
    timed(theirs, agilab_side_env, home)
    agilab_times = [timed(theirs, agilab_side_env, home) for _ in range(runs)]
    our_times = [timed(ours, env, REPO) for _ in range(runs)]
    bare_env = {**env, "AGILAB_TUI_RECORDS": "0"}  # what the run record (manifest, hashes, MLflow run) costs
    bare_times = [timed(ours, bare_env, REPO) for _ in range(runs)]
    a, o, b = statistics.median(agilab_times), statistics.median(our_times), statistics.median(bare_times)
    print(f"AGILab entry point (python AGI_run_flight_telemetry.py), mode 0: median {a:.2f} s over {runs} "
          f"({', '.join(f'{t:.2f}' for t in agilab_times)})")
    print(f"agilab-tui run {APP} --mode 0:                  median {o:.2f} s over {runs} "
          f"({', '.join(f'{t:.2f}' for t in our_times)})")
    print(f"  same, AGILAB_TUI_RECORDS=0 (no run record):      median {b:.2f} s over {runs} "
          f"({', '.join(f'{t:.2f}' for t in bare_times)})")
    print(f"overhead: {o - a:+.2f} s ({(o / a - 1) * 100:+.0f} %); without the run record {b - a:+.2f} s "
          f"({(b / a - 1) * 100:+.0f} %)")


if __name__ == "__main__":
    main()
