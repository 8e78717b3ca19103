"""Fixtures for assistant tests: a local HTTP server speaking the Responses API, and a clean environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from responses_server import FakeResponsesServer, RecordedRequest, Reply, response_body  # noqa: F401

from engine.workspace import Workspace


@pytest.fixture(autouse=True)
def clean_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer key, model, endpoint or proxy leaks into the tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def fake_api() -> Iterator[FakeResponsesServer]:
    """A running fake Responses API server, stopped after the test."""
    server = FakeResponsesServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workspace(tmp_path: Any) -> Workspace:
    """A workspace rooted in the test's temporary folder."""
    return Workspace(tmp_path / "home")
