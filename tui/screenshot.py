"""F8: the current screen as an SVG file, written atomically under a name that sorts by time."""

from __future__ import annotations

from pathlib import Path

from textual.app import App


def save_svg(app: App[object], folder: Path) -> Path:
    """Write ``app``'s current screen to ``folder/agilab-tui_<time>.svg`` (a counter when taken twice a second)."""
    from datetime import datetime

    from engine.atomic import atomic_write_text

    stamp = datetime.now().strftime("%Y-%m-%dT%H_%M_%S")
    path = folder / f"agilab-tui_{stamp}.svg"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"agilab-tui_{stamp}_{counter}.svg"
    atomic_write_text(path, app.export_screenshot())
    return path
