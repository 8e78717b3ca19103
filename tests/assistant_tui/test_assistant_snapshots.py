"""SVG snapshots of the ASSISTANT panel showing a contract, at 120x36 and 80x24 (review the HTML diff first)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from engine.workspace import Workspace
from tui.workflow.assistant.data import BASE_URL_STATE_KEY, MODEL_STATE_KEY
from tui.workflow.assistant.panel import AssistantPanel

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]
CONTRACT = {"schema_version": 1, "kind": "agilab.generated_dataframe_actions",
            "actions": [{"action": "filter_rows", "column": "temp", "operator": "gt", "value": 20},
                        {"action": "drop_columns", "columns": ["wind"]}],
            "notes": "warm cities"}


async def _settle(pilot: Any) -> None:
    """Wait until no worker has run for a few rounds: each engine reply may start the next call."""
    quiet = 0
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        quiet = quiet + 1 if not any(w.is_running for w in pilot.app.workers) else 0
        if quiet >= 3:
            return


async def _with_contract(pilot: Any) -> None:
    await _settle(pilot)
    prompt = pilot.app.query_one("#assistant-prompt", Input)
    prompt.value = "warm cities without wind"
    prompt.focus()
    await pilot.press("enter")
    await _settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_assistant_with_contract(size: tuple[int, int], lab_home: Path, fake_api: Any, snap_compare: Any, panel_app: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fake_api.answer(json.dumps(CONTRACT))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-snapshot")
    Workspace(lab_home).write_state(**{MODEL_STATE_KEY: "gpt-test", BASE_URL_STATE_KEY: fake_api.base_url})
    assert snap_compare(panel_app(AssistantPanel, lab_home), run_before=_with_contract, terminal_size=size)
