"""Page states shared by the snapshot tests and ``tests/make_screenshots.py``.

Each state prepares a workspace (``prepare(home)``, before the app starts) and drives the app
(``drive(pilot)``). Everything is the real engine except the mid-run state, which streams a fixed
script through a real ``engine.operation.Operation`` so the frame does not depend on timing.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO_APP = "flight_telemetry_project"
REPO_ROOT = Path(__file__).resolve().parents[2]


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def no_prep(home: Path) -> None:
    del home


def prep_broken_app(home: Path) -> None:
    """A workspace app without a worker package, made active: INSTALL fails at its first step."""
    from engine.facade import Engine
    from engine.workspace import Workspace

    src = home / "projects" / "broken_project" / "src"
    src.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "apps" / DEMO_APP / "src" / "app_settings.toml", src / "app_settings.toml")
    Engine(Workspace(home)).set_active_app("broken_project")


def prep_benchmark(home: Path) -> None:
    """A benchmark.json as the engine writes it (fixed numbers, so the table is stable)."""
    from engine.benchmark import benchmark_table, write_benchmark
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(home))
    runs = {0: {"seconds": 2.0}, 1: {"seconds": 1.25}, 2: {"seconds": 1.5}, 3: {"seconds": 1.0}}
    write_benchmark(engine.workspace.log_dir(engine.app(DEMO_APP)) / "benchmark.json",
                    benchmark_table(runs, {"localhost": 1}))


async def drive_rest(pilot: Any) -> None:
    await settle(pilot)


async def drive_failed_install(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("ctrl+b")
    await settle(pilot)


async def drive_benchmark(pilot: Any) -> None:
    await settle(pilot)
    pilot.app.view("orchestrate").show_section("benchmark")
    await pilot.pause()


async def drive_mid_run(pilot: Any) -> None:
    from engine.operation import Operation, OperationContext

    await settle(pilot)

    async def body(ctx: OperationContext) -> dict[str, Any]:
        await ctx.log(f"run {DEMO_APP} in mode 0: python [____]")
        for i in range(12):
            await ctx.log(f"127.0.0.1-{i % 2}: flight_{i:03d}.csv -> flight_{i:03d}_AC{i:03d}.parquet", "stdout")
        await ctx.progress(3, 6, "127.0.0.1-0")
        await asyncio.Event().wait()  # stays mid-run until the app exits and cancels it
        return {}

    view = pilot.app.view("orchestrate")
    view.start_operation(lambda: Operation("run", DEMO_APP, body))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if view.query_one("LogPane").total_lines >= 13:
            break
    await pilot.pause()


def drive_tab(tab: str) -> Callable[[Any], Awaitable[None]]:
    async def drive(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press({"project": "1", "orchestrate": "2", "workflow": "3", "analysis": "4"}[tab])
        await settle(pilot)

    return drive


async def drive_help(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("f1")
    await pilot.pause()


@dataclass(frozen=True)
class State:
    name: str
    prepare: Callable[[Path], None]
    drive: Callable[[Any], Awaitable[None]]


ORCHESTRATE_STATES = (
    State("orchestrate_rest", no_prep, drive_rest),
    State("orchestrate_mid_run", no_prep, drive_mid_run),
    State("orchestrate_failed_install", prep_broken_app, drive_failed_install),
    State("orchestrate_benchmark", prep_benchmark, drive_benchmark),
    State("help", no_prep, drive_help),
)
