"""Helpers shared by the PROJECT tests."""

from __future__ import annotations

from typing import Any


async def settle(pilot: Any) -> None:
    """Wait for every worker (engine calls) and the messages they post."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
