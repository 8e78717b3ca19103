"""Manager-side access to the tracker facade shared with snippets and workers."""

from __future__ import annotations

from workers.tracking import Tracker, default_backend, tracker

__all__ = ["Tracker", "default_backend", "tracker"]
