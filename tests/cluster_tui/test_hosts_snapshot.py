"""SVG snapshot of the Hosts table after a mixed install, at 120x36 and 80x24.

Fake host addresses change from run to run (their subnet depends on the PID), so the frame is built
from a fixed, recorded install: a real ``engine.operation.Operation`` streams the hosts' log lines and
ends failed with the per-host result rows, exactly as ``Engine.install`` reports a mixed install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cluster_tui_helpers import FLIGHT, configure, host_rows, settle

from engine.errors import InstallError
from engine.facade import Engine
from engine.operation import Operation, OperationContext
from engine.workspace import Workspace
from tui.app import make_app

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]
OK_1, OK_2, DOWN, NEW = "root@10.213.20.2:22", "root@10.213.20.3:22", "root@10.213.20.9:22", "root@10.213.20.4:22"
FINGERPRINT = "SHA256:q2b8Xz3kQmYHqJ0f6oJtZ0m1u2r9nqk3VxRr5c8yW1E"
RECORDED_HOSTS = [
    {"host": OK_1, "status": "ok", "step": "installed", "reason": "", "seconds": 7.412, "wenv": "/r/1"},
    {"host": OK_2, "status": "ok", "step": "installed", "reason": "", "seconds": 7.958, "wenv": "/r/2"},
    {"host": DOWN, "status": "failed", "step": "connect", "seconds": 0.0, "wenv": "",
     "reason": f"{DOWN}: cannot connect: TimeoutError"},
    {"host": NEW, "status": "failed", "step": "connect", "seconds": 0.0, "wenv": "",
     "reason": f"{NEW}: unknown host key {FINGERPRINT} (port 22); verify it, then trust it explicitly"},
]
RECORDED_LINES = [
    (OK_1, "$ UV_PYTHON_DOWNLOADS=never uv venv --python python3 /r/1/.venv"),
    (OK_2, "shipped 12 file(s) of workers"),
    (DOWN, f"failed: {DOWN}: cannot connect: TimeoutError"),
    (OK_1, "installed"),
    (OK_2, "installed"),
]


def prepare(home: Path) -> None:
    engine = Engine(Workspace(home))
    configure(engine, FLIGHT, {"127.0.0.1": 1, OK_1: 1, OK_2: 1, DOWN: 1, NEW: 1}, cluster_enabled=True)


async def mixed_install(pilot: Any) -> None:
    async def body(ctx: OperationContext) -> dict[str, Any]:
        for source, line in RECORDED_LINES:
            await ctx.log(line, source)
        ctx.result["hosts"] = RECORDED_HOSTS
        failed = [r for r in RECORDED_HOSTS if r["status"] == "failed"]
        raise InstallError("install failed on " + "; ".join(f"{r['host']} ({r['step']}: {r['reason']})" for r in failed))

    await settle(pilot)
    view = pilot.app.view("orchestrate")
    view.show_section("hosts")
    view.start_operation(lambda: Operation("install", FLIGHT, body))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_hosts_table_after_mixed_install(size: tuple[int, int], isolated_home: Path, snap_compare) -> None:
    prepare(isolated_home)
    assert snap_compare(make_app(test_mode=True), run_before=mixed_install, terminal_size=size)


async def test_recorded_install_settles_rows_and_flags_the_unknown_key(isolated_home: Path) -> None:
    prepare(isolated_home)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await mixed_install(pilot)
        rows = host_rows(app)
        assert list(rows) == [OK_1, OK_2, DOWN, NEW]  # local hosts are not in the table
        assert [rows[h]["status"] for h in rows] == ["✓ ok", "✓ ok", "✗ failed", "⚠ unknown key"]
        assert rows[OK_1]["seconds"] == "1.5"  # test mode's fixed clock: every measured duration reads 1.5 s
        prompt = app.view("orchestrate").query_one("#host-key-prompt")
        assert prompt.display and FINGERPRINT in str(prompt.content) and NEW in str(prompt.content)
        assert not app.view("orchestrate").query_one("#btn-trust-key").disabled
