"""TUI benchmarks (prints figures, asserts nothing): ``python tests/bench/bench_tui.py``.

1. Cold start to first painted frame, agilab-tui vs a bare Textual hello-world (target <= 1.5x):
   a fresh interpreter per sample, timed from just before spawning it to the first time its screen hands a
   composited frame to the driver (``App._display``), the same hook for both apps. Samples alternate between
   the two apps, and the CPU seconds each process used up to that frame are shown too: on a shared machine
   they move less with the load than the wall-clock time does.
2. Keypress latency while 100k log lines stream into the ORCHESTRATE log (target p99 <= 50 ms):
   a real engine Operation streams them from a child process; 20 ms after each key's frame the next key switches
   the section, and the delay from the key press until the first frame painted after its action ran is recorded
   (key to screen update), alongside the delay until the action itself runs. The stream is run ``STREAMS``
   times, one operation after the other in the same app, so the p99 comes from some 150 keys rather than
   the 20-50 one stream gives (with that few, "p99" is simply the slowest key).
   Page keys (alt+1..4, back to ORCHESTRATE after each other page) are measured the same way in one more
   stream: from the key to the first frame painted by a layout that started after the page switched.
3. Memory growth over those 100k lines (target <= 100 MB), RSS measured with psutil.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
LINES = 100_000
SAMPLES = 11
STREAMS = 3

# Both cold-start scripts time the first frame the same way: the first composited update handed to the driver.
_FIRST_FRAME = """
import asyncio, time
from textual.app import App
_painted = []
_display = App._display
def _timed_display(self, screen, renderable):
    # Inside batch_update() the driver is not written to, so that is not a painted frame yet.
    if renderable is not None and not self._batch_count and not _painted:
        _painted.append((time.time(), time.process_time()))
    _display(self, screen, renderable)
App._display = _timed_display
async def first_frame(pilot):
    while not _painted:
        await asyncio.sleep(0.001)
    print(*_painted[0], flush=True)
    pilot.app.exit()
"""

_HELLO = _FIRST_FRAME + """
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("hello")
Hello().run(headless=True, auto_pilot=first_frame, size=(120, 36))
"""

_PRINTER = """
import sys
for i in range(int(sys.argv[1])):
    print(f"2026-01-01 12:00:00 worker 127.0.0.1-{i % 2} item {i:06d} processed ok")
"""

_AGILAB = _FIRST_FRAME + """
import sys
sys.path.insert(0, %r)
from tui.app import make_app
make_app(test_mode=True).run(headless=True, auto_pilot=first_frame, size=(120, 36))
"""


def cold_start(code: str, home: str) -> tuple[float, float]:
    """Seconds from spawning a fresh interpreter to its first painted frame, and its CPU seconds until then."""
    env = {**os.environ, "AGILAB_TUI_HOME": home}
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    painted, cpu = (float(x) for x in out.strip().splitlines()[0].split())
    return painted - started, cpu


async def settle_startup(app: object, pilot: object) -> None:
    """Let startup finish (pages and sections mounted after the first frame, the engine load) before
    measuring, as the snapshot tests' settle() does: each round may start the next step."""
    for _ in range(3):
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]


async def print_lines(ctx: object) -> dict[str, object]:
    """An operation body: a real child process printing LINES lines as fast as it can, read the way runs are
    read."""
    from engine.proc import ChildProcess

    child = ChildProcess([sys.executable, "-c", _PRINTER, str(LINES)])
    await child.start()
    await child.stream(ctx.sink)  # type: ignore[attr-defined]
    return {}


async def stream_and_press(home: str) -> tuple[list[float], list[float], float, float, int]:
    """Key-to-paint and key-to-action latencies (s) during a 100k-line stream, stream seconds, RSS growth (MB),
    lines kept."""
    import psutil

    from engine.operation import Operation
    from tui.app import make_app
    from tui.widgets.log_pane import LogPane

    os.environ["AGILAB_TUI_HOME"] = home
    app = make_app(test_mode=False)
    paint_latencies: list[float] = []
    action_latencies: list[float] = []
    slowest: list[tuple[float, str, float]] = []
    """(key to frame, the section it showed, when it was pressed after its operation started), in s."""
    operation_started: list[float] = [time.perf_counter()]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle_startup(app, pilot)
        view = app.view("orchestrate")
        pressed_at: list[float] = []
        acted: list[float] = []
        original = view.action_next_section
        display = app._display

        def timed_next_section() -> None:
            if pressed_at:
                action_latencies.append(time.perf_counter() - pressed_at[0])
                acted.append(pressed_at[0])
            original()

        def timed_display(screen: object, renderable: object) -> None:
            display(screen, renderable)  # type: ignore[arg-type]
            # The first frame composited after the action ran is the one that shows the new section.
            if acted and renderable is not None and not app._batch_count:
                key_at = acted.pop()
                paint_latencies.append(time.perf_counter() - key_at)
                slowest.append((paint_latencies[-1], view.query_one("#section-switcher").current,
                                key_at - operation_started[-1]))
                pressed_at.clear()

        view.action_next_section = timed_next_section  # type: ignore[method-assign]
        app._display = timed_display  # type: ignore[method-assign]

        process = psutil.Process()
        rss_before = process.memory_info().rss
        started = time.perf_counter()
        for _ in range(STREAMS):
            operation_started.append(time.perf_counter())
            view.start_operation(lambda: Operation("run", "bench", print_lines))
            while view.current is not None:
                # Next key once the previous one has reached the screen.
                if not pressed_at:
                    pressed_at.append(time.perf_counter())
                    app.simulate_key("ctrl+n")
                await asyncio.sleep(0.02)
            while pressed_at:  # a key pressed as the stream ended counts too, once its frame is painted
                await asyncio.sleep(0.005)
        stream_seconds = time.perf_counter() - started
        await pilot.pause()
        rss_growth = (process.memory_info().rss - rss_before) / 2**20
        kept = app.query_one(LogPane).log.line_count
    slowest.sort(reverse=True)
    print("slowest keys: " + ", ".join(f"{ms * 1000:.0f} ms ({section}, pressed {since * 1000:.0f} ms into its run)"
                                      for ms, section, since in slowest[:6]))
    return paint_latencies, action_latencies, stream_seconds, rss_growth, kept


async def page_keys_during_a_stream(home: str) -> list[float]:
    """Key-to-frame latencies (s) of page keys while one 100k-line stream runs in ORCHESTRATE."""
    from textual.screen import Screen

    from engine.operation import Operation
    from tui.app import make_app

    os.environ["AGILAB_TUI_HOME"] = home
    app = make_app(test_mode=False)
    latencies: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await settle_startup(app, pilot)
        for key in ("alt+1", "alt+3", "alt+4", "alt+2"):  # every page mounted and shown once first
            await pilot.press(key)
            await pilot.pause(0.3)
        view = app.view("orchestrate")
        pressed_at: list[float] = []
        switched: list[float] = []
        laid_out: list[bool] = []
        go_tab, display, refresh_layout = app.action_go_tab, app._display, Screen._refresh_layout

        def timed_go_tab(tab_id: str) -> None:
            switched.append(pressed_at[0])
            laid_out.clear()
            go_tab(tab_id)

        def timed_refresh_layout(screen: Screen, *args: object, **kwargs: object) -> None:
            if not kwargs.get("scroll"):
                laid_out.append(True)  # a full layout: the new page is arranged (and painted inside it)
            refresh_layout(screen, *args, **kwargs)  # type: ignore[arg-type]

        def timed_display(screen: object, renderable: object) -> None:
            display(screen, renderable)  # type: ignore[arg-type]
            if switched and laid_out and renderable is not None and not app._batch_count:
                latencies.append(time.perf_counter() - switched.pop())
                pressed_at.clear()

        app.action_go_tab = timed_go_tab  # type: ignore[method-assign]
        app._display = timed_display  # type: ignore[method-assign]
        Screen._refresh_layout = timed_refresh_layout  # type: ignore[method-assign]
        try:
            keys = ["alt+1", "alt+2", "alt+3", "alt+2", "alt+4", "alt+2"]
            view.start_operation(lambda: Operation("run", "bench", print_lines))
            while view.current is not None:
                if not pressed_at:
                    pressed_at.append(time.perf_counter())
                    app.simulate_key(keys[len(latencies) % len(keys)])
                await asyncio.sleep(0.02)
            while pressed_at:
                await asyncio.sleep(0.005)
        finally:
            Screen._refresh_layout = refresh_layout  # type: ignore[method-assign]
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="agilab-bench-") as home:
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        hello: list[tuple[float, float]] = []
        agilab: list[tuple[float, float]] = []
        for _ in range(SAMPLES):  # alternated, so a change in the machine's load hits both alike
            hello.append(cold_start(_HELLO, home))
            agilab.append(cold_start(_AGILAB % str(REPO_ROOT), home))
        h, a = (statistics.median(w for w, _ in xs) for xs in (hello, agilab))
        hc, ac = (statistics.median(c for _, c in xs) for xs in (hello, agilab))
        print(f"cold start to first frame (median of {SAMPLES}): hello-world {h * 1000:.0f} ms, "
              f"agilab-tui {a * 1000:.0f} ms, ratio {a / h:.2f}x (target <= 1.5x); "
              f"CPU until then {hc * 1000:.0f} ms vs {ac * 1000:.0f} ms, ratio {ac / hc:.2f}x")
        paint, action, seconds, growth, kept = asyncio.run(stream_and_press(home))
        print(f"streamed {LINES:,} log lines {STREAMS} times in {seconds:.1f} s "
              f"({STREAMS * LINES / seconds:,.0f} lines/s with the keys' frames), {kept:,} kept in the pane (bounded)")
        for label, latencies, target in (("key to painted frame", paint, " (target p99 <= 50 ms)"),
                                         ("key to action", action, "")):
            ms = [x * 1000 for x in latencies]
            if ms:
                print(f"keypress latency during the stream, {label} ({len(ms)} keys): median "
                      f"{statistics.median(ms):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
                      f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms{target}")
        pages = [x * 1000 for x in asyncio.run(page_keys_during_a_stream(home))]
        print(f"page keys during one stream, key to painted frame ({len(pages)} keys): median "
              f"{statistics.median(pages):.1f} ms, p95 {percentile(pages, 0.95):.1f} ms, "
              f"p99 {percentile(pages, 0.99):.1f} ms, max {max(pages):.1f} ms")
        print(f"memory growth over the streams: {growth:.1f} MB (target <= 100 MB)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
