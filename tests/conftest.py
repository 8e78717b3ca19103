"""Shared test set-up: every test gets its own workspace root, so nothing touches a real home."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh AGILAB_TUI_HOME (and XDG dirs) per test; tests needing a shared one override it."""
    home = tmp_path_factory.mktemp("agilab_home")
    monkeypatch.setenv("AGILAB_TUI_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg_config"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return home


def pytest_report_header(config: pytest.Config) -> str:
    return f"agilab-tui tests; cores={os.cpu_count()}"
