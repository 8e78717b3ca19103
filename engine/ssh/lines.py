"""Lines of remote output: the sink type every SSH module feeds, and the pump that reads a stream.

Kept apart from :mod:`.connection` and :mod:`.remote_process` so that both depend on it and
neither depends on the other's internals (no import cycle).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

HostLineSink = Callable[[str, str], Awaitable[None] | None]
"""Receives (host label, line) for every line a remote command prints."""


async def deliver(sink: HostLineSink | None, host: str, line: str) -> None:
    """Call a sync or async sink."""
    if sink is None:
        return
    result = sink(host, line)
    if asyncio.iscoroutine(result):
        await result


async def pump_lines(stream: Any, host: str, sink: HostLineSink | None) -> None:
    """Forward every line of an asyncssh stream to ``sink`` until EOF or the connection drops."""
    import asyncssh

    with contextlib.suppress(asyncssh.Error, ConnectionError):
        while True:
            line = await stream.readline()
            if not line:  # asyncssh yields '' at EOF
                return
            await deliver(sink, host, line.rstrip("\r\n"))
