"""The browser mode in a browser: ``agilab-tui web`` driven by headless Chromium (Debian's ``chromium``
through Playwright's Python package; no browser is downloaded).

What the page's terminal receives is read by wrapping the page's WebSocket before textual-serve's script
runs; keys go through xterm.js like a person's typing. Start the app, see the four tabs, switch pages,
install and run the demo from the keyboard, and see the run log fill.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
REPO_ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Every frame the terminal is given, decoded: a person reads the same characters on the screen.
CAPTURE = """
(() => {
  window.__screen = "";
  const decoder = new TextDecoder();
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) {
        window.__screen += decoder.decode(new Uint8Array(event.data), {stream: true});
      } else if (typeof event.data === "string") {
        window.__screen += event.data;
      }
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def web_server(tmp_path: Path):
    port = _free_port()
    home = tmp_path / "home"
    env = {**os.environ, "AGILAB_TUI_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "tui", "web", "--port", str(port)], env=env, cwd=REPO_ROOT,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None and not _listening(port):
        time.sleep(0.2)
    try:
        assert server.poll() is None and _listening(port), (tmp_path / "server.log").read_text()
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
        log.close()


def test_the_app_runs_the_demo_in_headless_chromium(web_server: int, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

    with playwright_api.sync_playwright() as pw:
        # One retry, with a fresh session and profile: the terminal arrives as a stream of screen diffs over a
        # websocket, and on this 2-core machine a key can land while the previous repaint is still in flight.
        try:
            _drive_demo(pw, tmp_path / "chromium-profile", web_server)
        except (AssertionError, playwright_api.Error) as first:
            print(f"first browser session failed, retrying once: {str(first)[:500]}")
            _drive_demo(pw, tmp_path / "chromium-profile-2", web_server)


def _drive_demo(pw, profile: Path, port: int) -> None:
    """One browser session: Start, the four tabs, page keys, INSTALL then RUN, the log fills."""
    browser = pw.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
        viewport={"width": 1400, "height": 900})
    try:
        page = browser.new_page()
        page.add_init_script(CAPTURE)
        page.goto(f"http://127.0.0.1:{port}/?delay=1")
        start = page.locator("#start")
        start.wait_for(state="visible", timeout=30_000)  # textual-serve's landing page
        start.click()

        def screen() -> str:
            return page.evaluate("window.__screen")

        def wait_for(*texts: str, timeout: float = 120) -> str:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                seen = screen()
                if all(text in seen for text in texts):
                    return seen
                page.wait_for_timeout(250)
            raise AssertionError(f"never saw {texts}; last output: {screen()[-2000:]!r}")

        wait_for("PROJECT", "ORCHESTRATE", "WORKFLOW", "ANALYSIS", "System settings", timeout=90)
        page.locator("#terminal textarea").focus()  # xterm.js reads keys from its hidden textarea
        page.keyboard.press("1")
        wait_for("Environment", timeout=60)
        before = len(screen())
        # A plain digit: alt+digit reaches xterm.js as ESC then the digit, whose timing made this flaky
        # (alt+1…4 are driven through a real terminal by the tmux test).
        page.keyboard.press("2")

        def orchestrate_repainted() -> bool:
            # The repaint skips cells that did not change, so words arrive between cursor moves.
            text = ANSI.sub(" ", screen()[before:])
            return "System" in text and "settings" in text

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not orchestrate_repainted():
            page.wait_for_timeout(250)
        assert orchestrate_repainted(), "2 did not bring ORCHESTRATE back"
        page.keyboard.press("Control+b")
        wait_for("worker environment installed", timeout=300)
        mark = len(screen())
        page.keyboard.press("Control+r")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and "output file(s)" not in screen()[mark:]:
            page.wait_for_timeout(250)
        after = screen()[mark:]
        assert "output file(s)" in after, after[-2000:]
        assert "Log · run" in after and "run flight_telemetry_project in mode" in after, "the run log stayed empty"
    finally:
        browser.close()
