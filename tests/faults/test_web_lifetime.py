"""Defect 13 of issue 16: stopping ``agilab-tui web`` ends the app processes it served."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import uuid
from pathlib import Path

import pytest
from fault_helpers import LineReader, cli, describe, marked, reap, survivors_after, wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _served_apps(marker: str) -> list:
    found = []
    for proc in marked(marker):
        cmd = proc.cmdline()
        if "-m" in cmd and "tui" in cmd and "web" not in cmd and "workers.lifeline" not in cmd:
            found.append(proc)
    return found


async def _browser_session(port: int, marker: str, stop_server=None) -> list:
    """Open the page, then its websocket, the way textual-serve's page does, and type a little.

    With ``stop_server``, the server is signalled while the session is still open.
    """
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/") as response:
            page = await response.text()
        match = re.search(r"(ws://[^\"'\s]+/ws)", page)
        assert match, page[:500]
        async with session.ws_connect(f"{match.group(1)}?width=100&height=30") as ws:
            await ws.send_json(["resize", {"width": 100, "height": 30}])
            for _ in range(600):
                if _served_apps(marker):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(3)  # let the app paint and read its input
            await ws.send_json(["stdin", "2"])
            await asyncio.sleep(1)
            served = _served_apps(marker)
            if stop_server is not None:
                stop_server()
                await asyncio.sleep(0.5)
    return served


@pytest.mark.parametrize("during", [False, True], ids=["after-session", "during-session"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_stopping_the_web_server_ends_the_served_app(tmp_path: Path, sig: int, during: bool):
    port = _free_port()
    marker = uuid.uuid4().hex
    server = cli(tmp_path / "home", "web", "--port", str(port), marker=marker)
    reader = LineReader(server)
    try:
        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        assert wait_for(lambda: server.poll() is not None or listening(), 60) and server.poll() is None, reader.tail()
        served = asyncio.run(_browser_session(port, marker, (lambda: server.send_signal(sig)) if during else None))
        assert served, f"the session never started its app:\n{reader.tail()}"
        if not during:
            server.send_signal(sig)
        left = survivors_after(marker, 10)
        assert left == [], f"still alive 10 s after {signal.Signals(sig).name} of the server:\n" + "\n".join(describe(left))
        assert server.wait(timeout=10) is not None
    finally:
        if server.poll() is None:
            server.kill()
        reap(marker)


def test_a_browser_session_starts_the_app(tmp_path: Path):
    port = _free_port()
    marker = uuid.uuid4().hex
    server = cli(tmp_path / "home", "web", "--port", str(port), marker=marker)
    try:
        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        assert wait_for(lambda: server.poll() is not None or listening(), 60) and server.poll() is None

        async def session() -> list:
            import aiohttp

            async with aiohttp.ClientSession() as client:
                async with client.ws_connect(f"ws://127.0.0.1:{port}/ws?width=100&height=30") as ws:
                    await ws.send_json(["resize", {"width": 100, "height": 30}])
                    for _ in range(600):
                        if _served_apps(marker):
                            return _served_apps(marker)
                        await asyncio.sleep(0.1)
            return []

        apps = asyncio.run(session())
        assert apps, "no `python -m tui` was started for the session"
    finally:
        server.send_signal(signal.SIGTERM)
        survivors_after(marker, 10)
        if server.poll() is None:
            server.kill()
        reap(marker)
