"""Fixtures for the ASSISTANT panel tests: the assistant tests' local Responses API server, a lab_out.csv,
and the panel harness app.

Support modules are loaded by file path, so these tests work whether or not ``tests/`` is a package.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from engine.workspace import Workspace

_TESTS = Path(__file__).resolve().parent.parent
APP = "flight_telemetry_project"
CSV = "city,temp,wind\nParis,21.5,3\nLyon,25.0,5\nNice,28.25,2\nBrest,16.0,9\n"


def load_module(name: str, path: Path) -> ModuleType:
    """Import a support file by path (registered first: dataclasses look their module up while it runs)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _server_module() -> ModuleType:
    # The assistant tests keep their fake Responses API server in responses_server.py (formerly conftest.py).
    for candidate in ("responses_server.py", "conftest.py"):
        path = _TESTS / "assistant" / candidate
        if path.is_file() and "class FakeResponsesServer" in path.read_text("utf-8"):
            return load_module("_agilab_fake_responses_server", path)
    raise RuntimeError("tests/assistant has no FakeResponsesServer")


harness = load_module("_agilab_panel_harness", Path(__file__).with_name("harness.py"))


@pytest.fixture(autouse=True)
def clean_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer key, model, endpoint or proxy leaks into the tests (as in tests/assistant)."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                 "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def fake_api() -> Iterator[Any]:
    server = _server_module().FakeResponsesServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def panel_app() -> Callable[..., Any]:
    """``panel_app(PanelClass, home)``: the real shell with the panel alone in the WORKFLOW tab."""
    return harness.panel_app


@pytest.fixture
def lab_home(isolated_home: Path) -> Path:
    """A workspace whose active app has a lab_out.csv (what a previous stage run leaves)."""
    workspace = Workspace(isolated_home)
    export = workspace.export_dir(workspace.app(APP))
    (export / "lab_out.csv").write_text(CSV)
    return isolated_home


@pytest.fixture
def stages_path(lab_home: Path) -> Path:
    """The active app's workspace lab_stages.toml."""
    workspace = Workspace(lab_home)
    return workspace.export_dir(workspace.app(APP)) / "lab_stages.toml"
