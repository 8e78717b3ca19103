"""Benchmark: every mode 0-15 can be chosen (rapids ones disabled with the reason without cuDF), ALL toggles,
and the chart's bars have the lengths the seconds give, in test mode too (nothing hidden)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, SelectionList, Static

from tui.app import make_app
from tui.orchestrate.benchmark_panel import BAR_WIDTH, bar_chart

APP = "flight_telemetry_project"
SECONDS = {0: 2.0, 1: 1.0, 2: 0.5, 4: 1.5}


def bars(text: str) -> dict[int, int]:
    """Mode -> bar length, from the chart's lines ``'  0 _____ ████ 2.00 s'``."""
    found = {}
    for line in text.splitlines():
        if "█" in line:
            found[int(line.split()[0])] = line.count("█")
    return found


def write_benchmark(home: Path) -> None:
    from engine.benchmark import benchmark_table, write_benchmark
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(home))
    runs = {mode: {"seconds": seconds} for mode, seconds in SECONDS.items()}
    write_benchmark(engine.workspace.log_dir(engine.app(APP)) / "benchmark.json", benchmark_table(runs, {"localhost": 1}))


def test_bar_lengths_follow_the_seconds() -> None:
    table = {str(m): {"mode": "", "seconds": s, "order": i} for i, (m, s) in enumerate(sorted(SECONDS.items()))}
    assert bars(str(bar_chart(table))) == {0: BAR_WIDTH, 1: BAR_WIDTH // 2, 2: round(BAR_WIDTH / 4),
                                           4: round(BAR_WIDTH * 0.75)}
    assert bars(str(bar_chart({"0": {"seconds": 10.0}, "1": {"seconds": 0.001}}))) == {0: BAR_WIDTH, 1: 1}


async def test_the_chart_and_table_show_the_seconds_in_test_mode(tui_home: Path, settle) -> None:
    write_benchmark(tui_home)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("benchmark")
        await pilot.pause()
        chart = str(view.query_one("#bench-chart", Static).render())
        assert bars(chart) == {0: 30, 1: 15, 2: 8, 4: 22}
        assert "2.00 s" in chart and "0.50 s" in chart
        table = view.query_one("#bench-table", DataTable)
        assert [str(c) for c in table.get_row("2")][3:4] == ["0.500"]


async def test_all_sixteen_modes_with_rapids_disabled_and_the_reason(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("benchmark")
        await settle(pilot)
        modes = view.query_one("#benchmark-modes", SelectionList)
        assert modes.option_count == 16
        assert [modes.get_option_at_index(m).disabled for m in range(16)] == [False] * 8 + [True] * 8
        reason = str(view.query_one("#benchmark-rapids", Static).render())
        assert reason.startswith("8-15:") and "not installed" in reason
        await pilot.click("#btn-benchmark-all")
        await pilot.pause()
        assert sorted(modes.selected) == list(range(8))
        await pilot.click("#btn-benchmark-all")
        await pilot.pause()
        assert modes.selected == []
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "benchmark: choose all modes" in titles
