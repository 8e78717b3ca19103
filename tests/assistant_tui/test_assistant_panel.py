"""Pilot tests of the ASSISTANT panel on the real engine, with the real openai client and a local Responses API."""

from __future__ import annotations

import asyncio
import json
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Collapsible, DataTable, Input, Select, SelectionList, Static

from engine.stages_run import Lab, read_stages
from engine.workspace import Workspace
from tui.workflow.assistant.builder import AssistantBuilder
from tui.workflow.assistant.panel import AssistantPanel
from tui.workflow.assistant.result import AssistantResultView

CONTRACT = {
    "schema_version": 1,
    "kind": "agilab.generated_dataframe_actions",
    "actions": [
        {"action": "filter_rows", "column": "temp", "operator": "gt", "value": 20},
        {"action": "sort_rows", "columns": ["temp"], "ascending": False},
    ],
    "notes": "warm cities first",
}


async def settle(pilot: Any) -> None:
    """Wait until no worker has run for a few rounds: each engine reply may start the next call."""
    quiet = 0
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        quiet = quiet + 1 if not any(w.is_running for w in pilot.app.workers) else 0
        if quiet >= 3:
            return


def stage_count(home: Path) -> int:
    workspace = Workspace(home)
    return len(read_stages(Lab.for_app(workspace, workspace.app("flight_telemetry_project"))))


def text_of(app: Any, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def configure(pilot: Any, base_url: str, key: str | None = "sk-test-secret") -> None:
    """Fill the settings form like a user: model, base URL, then the key in the password field."""
    app = pilot.app
    app.query_one("#assistant-settings-box", Collapsible).collapsed = False
    await pilot.pause()
    app.query_one("#assistant-model", Input).value = "gpt-test"
    app.query_one("#assistant-base-url", Input).value = base_url
    if key is not None:
        app.query_one("#assistant-key", Input).value = key
        app.query_one("#assistant-key", Input).focus()
        await pilot.press("enter")
        await settle(pilot)


async def ask(pilot: Any, question: str) -> None:
    prompt = pilot.app.query_one("#assistant-prompt", Input)
    prompt.value = question
    prompt.focus()
    await pilot.press("enter")


async def test_prompt_contract_code_preview_and_save_as_stage(lab_home: Path, fake_api: Any, panel_app: Any, stages_path: Path) -> None:
    fake_api.answer("```json\n" + json.dumps(CONTRACT) + "\n```")
    before = stage_count(lab_home)
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        assert "4 rows × 3 columns" in text_of(app, "#assistant-frame")
        await configure(pilot, fake_api.base_url)
        # The key went to the 0600 secrets file and is shown nowhere.
        secrets = Workspace(lab_home).secrets_file
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        assert app.query_one("#assistant-key", Input).value == ""
        assert "available (secrets file)" in text_of(app, "#key-status")
        app.query_one("#assistant-save-settings").press()
        await settle(pilot)
        state = Workspace(lab_home).read_state()
        assert state["assistant_model"] == "gpt-test" and state["assistant_base_url"] == fake_api.base_url
        assert "sk-test-secret" not in Workspace(lab_home).state_file.read_text()
        await ask(pilot, "keep the warm cities, hottest first")
        await settle(pilot)

        sent = fake_api.requests[-1]
        assert sent.headers["authorization"] == "Bearer sk-test-secret"
        assert sent.json["model"] == "gpt-test"
        assert "temp" in sent.json["input"] and "keep the warm cities" in sent.json["input"]
        actions = text_of(app, "#result-actions")
        assert "1. filter rows: column='temp', operator='gt', value=20" in actions
        assert "2. sort rows" in actions
        assert "warm cities first" in text_of(app, "#result-title")
        assert "df = df.loc[" in app.query_one(AssistantResultView).code
        table = app.query_one("#result-preview", DataTable)
        assert table.row_count == 3
        assert [table.get_row_at(i)[0] for i in range(3)] == ["Nice", "Lyon", "Paris"]
        assert stage_count(lab_home) == before  # nothing is saved until asked

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved as stage" in text_of(app, "#assistant-message")
        assert str(lab_home) not in text_of(app, "#assistant-message")  # test mode redacts tmp paths
        assert "sk-test-secret" not in app.export_screenshot()

    saved = tomllib.loads(stages_path.read_text())["flight_telemetry"]
    assert len(saved) == before + 1
    stage = saved[-1]
    assert stage["template_id"] == "dataframe.safe_actions" and stage["generation_mode"] == "safe_actions"
    assert json.loads(stage["action_contract"])["actions"] == CONTRACT["actions"]
    assert stage["Q"] == "keep the warm cities, hottest first" and stage["M"] == "gpt-test"
    assert "sort_values" in stage["C"]


async def test_rate_limit_is_a_message_and_changes_nothing(lab_home: Path, fake_api: Any, panel_app: Any, stages_path: Path) -> None:
    for _ in range(3):  # the openai client retries twice before giving up
        fake_api.fail(429, "Too many requests", headers={"retry-after": "0.01"})
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await configure(pilot, fake_api.base_url)
        await ask(pilot, "drop wind")
        await settle(pilot)
        message = app.query_one("#assistant-message", Static)
        assert "Rate limited" in str(message.render()) and "retry after 0.01 s" in str(message.render())
        assert message.has_class("-error")
        assert not app.query_one(AssistantPanel).busy
        assert app.query_one("#assistant-result").has_class("-empty")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert not stages_path.exists()


@pytest.mark.parametrize("answer, reason", [
    (json.dumps({**CONTRACT, "actions": [{"action": "select_columns", "columns": ["no_such_column"]}]}),
     "no_such_column"),
    (json.dumps({**CONTRACT, "actions": [{"action": "exec_python", "code": "import os"}]}), "exec_python"),
    ("Sure! Here is what I would do: drop the wind column.", "Safe Actions contract"),
], ids=["unknown-column", "unknown-action", "not-json"])
async def test_unusable_answer_is_reported(lab_home: Path, fake_api: Any, panel_app: Any, stages_path: Path,
                                           answer: str, reason: str) -> None:
    fake_api.answer(answer)
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await configure(pilot, fake_api.base_url)
        await ask(pilot, "do something")
        await settle(pilot)
        text = text_of(app, "#assistant-message")
        assert "Unusable answer" in text and reason in text and "The stage is unchanged." in text
        assert app.query_one("#assistant-result").has_class("-empty")
    assert not stages_path.exists()


async def test_missing_key_says_so_and_opens_the_builder(lab_home: Path, panel_app: Any, stages_path: Path) -> None:
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.query_one("#assistant-builder-box", Collapsible).collapsed
        await ask(pilot, "drop wind")
        await settle(pilot)
        assert "No API key" in text_of(app, "#assistant-message")


async def test_cancel_stops_the_request(lab_home: Path, fake_api: Any, panel_app: Any, stages_path: Path) -> None:
    fake_api.answer_slowly(json.dumps(CONTRACT))
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await configure(pilot, fake_api.base_url)
        await ask(pilot, "keep warm cities")
        await pilot.pause()
        panel = app.query_one(AssistantPanel)
        assert panel.busy and panel.has_class("-busy")
        assert await asyncio.to_thread(fake_api.received.wait, 10)
        await pilot.press("escape")
        await settle(pilot)
        assert not panel.busy
        assert "cancelled" in text_of(app, "#assistant-message")
        assert app.query_one("#assistant-result").has_class("-empty")
    assert not stages_path.exists()


async def test_python_snippet_is_shown_for_review_and_never_previewed(lab_home: Path, fake_api: Any, panel_app: Any, stages_path: Path) -> None:
    fake_api.answer("```python\ndf = df[df['temp'] > 20]\n```")
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await configure(pilot, fake_api.base_url)
        app.query_one("#assistant-mode", Select).value = "python_snippet"
        await ask(pilot, "warm cities")
        await settle(pilot)
        result = app.query_one("#assistant-result")
        assert result.has_class("-snippet")
        assert "Not validated and not run" in text_of(app, "#result-warning")
        assert "df['temp'] > 20" in app.query_one(AssistantResultView).code
        assert not app.query_one("#result-preview", DataTable).display
        await pilot.press("ctrl+s")  # saving keeps it for review; nothing runs it
        await settle(pilot)
    stage = tomllib.loads(stages_path.read_text())["flight_telemetry"][-1]
    assert stage["generation_mode"] == "python_snippet" and "template_id" not in stage
    assert stage["C"].startswith("# AGILAB Python snippet (advanced)") and "df['temp'] > 20" in stage["C"]
    assert not (stages_path.parent / "lab_snippet.py").exists()


async def test_offline_builder_end_to_end_without_a_key(lab_home: Path, panel_app: Any, stages_path: Path) -> None:
    app = panel_app(AssistantPanel, lab_home)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        builder = app.query_one(AssistantBuilder)
        assert list(builder.dtypes or {}) == ["city", "temp", "wind"]
        app.query_one("#builder-action", Select).value = "filter_rows"
        await settle(pilot)
        fields = {w.name: w for w in builder.query(".field-input")}
        assert isinstance(fields["column"], Select)
        fields["column"].value = "temp"
        fields["operator"].value = "ge"
        fields["value"].value = "21.5"
        await pilot.click("#builder-add")
        await settle(pilot)
        # The next action only offers the columns left by the first; a drop of 'wind' then removes it.
        app.query_one("#builder-action", Select).value = "drop_columns"
        await settle(pilot)
        columns = next(w for w in builder.query(".field-input") if w.name == "columns")
        assert isinstance(columns, SelectionList)
        columns.select("wind")
        await pilot.click("#builder-add")
        await settle(pilot)

        assert "offline builder, 2 action(s)" in text_of(app, "#result-title")
        table = app.query_one("#result-preview", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["city", "temp"]
        assert table.row_count == 3
        # Removing the highlighted (last) action updates the preview in place.
        await pilot.click("#builder-remove")
        await settle(pilot)
        assert len(table.columns) == 3
        await pilot.click("#builder-add")  # drop_columns with 'wind' again, since the form was rebuilt empty
        await settle(pilot)
        assert "Not added" in str(app.query_one("#builder-message", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)

    stage = tomllib.loads(stages_path.read_text())["flight_telemetry"][-1]
    contract = json.loads(stage["action_contract"])
    assert contract["actions"] == [{"action": "filter_rows", "column": "temp", "operator": "ge", "value": 21.5}]
    assert stage["M"] == "" and stage["template_id"] == "dataframe.safe_actions"
