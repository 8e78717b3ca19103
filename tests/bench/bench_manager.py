"""Cost of running the app's manager in its own environment, one subprocess per call.

Prints, for the flight app: the median wall time of each protocol call (ping, schema, validate, plan),
the median of the same operation called warm in one long-lived manager-env process (what an
in-process call cost when the TUI imported the app), and the difference: the added cost per call.
Also the manager env install time (fresh, then unchanged). Figures only, never asserted.

    python tests/bench/bench_manager.py [--repeats 15] [--home DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from engine.manager_client import _request, call_manager, call_manager_sync  # noqa: E402
from engine.manager_env import install_manager_env, manager_env  # noqa: E402
from engine.operation import Operation  # noqa: E402
from engine.workspace import Workspace  # noqa: E402

APP = "flight_telemetry_project"
WARM = """
import json, sys, time, statistics
from workers import manager_server
request = json.loads(sys.argv[1])
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); manager_server.handle(dict(request)); times.append(time.perf_counter() - t)
print(json.dumps(statistics.median(times[1:] or times)))
"""


def _install(workspace: Workspace) -> float:
    app = workspace.app(APP)

    async def body(ctx):
        return await install_manager_env(ctx, workspace, app)

    started = time.perf_counter()
    asyncio.run(Operation("install", APP, body).wait())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--home", help="workspace root (default: a fresh temporary one)")
    options = parser.parse_args()
    workspace = Workspace(options.home or tempfile.mkdtemp(prefix="bench_manager_"))
    app = workspace.app(APP)
    fresh = None if manager_env(workspace, app).ready else _install(workspace)
    again = _install(workspace)
    if fresh is not None:
        print(f"manager env install (fresh): {fresh:.2f} s")
    print(f"manager env install (unchanged deps): {again:.2f} s")
    args = {}
    env = manager_env(workspace, app)
    print(f"{'call':<10} {'subprocess':>12} {'warm in-process':>16} {'added':>10}")
    for op in ("ping", "schema", "validate", "plan"):
        walls = []
        for _ in range(options.repeats):
            started = time.perf_counter()
            if op == "plan":
                asyncio.run(call_manager(workspace, app, op, args=args, workers={"127.0.0.1": 2}))
            else:
                call_manager_sync(workspace, app, op, args=args)
            walls.append(time.perf_counter() - started)
        request = _request(workspace, app, op, args, {"127.0.0.1": 2})
        warm = subprocess.run([str(env.python), "-c", WARM, json.dumps(request), str(options.repeats)],
                              capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())
        warm_s = json.loads(warm.stdout.strip().splitlines()[-1])
        wall = statistics.median(walls)
        print(f"{op:<10} {wall * 1000:>10.1f} ms {warm_s * 1000:>13.2f} ms {(wall - warm_s) * 1000:>7.1f} ms")


if __name__ == "__main__":
    main()
