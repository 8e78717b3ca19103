"""The real openai client against a local Responses API server: answers, errors, timeout and cancel."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from responses_server import FakeResponsesServer

from engine.assistant import (
    AssistantAnswerError,
    AssistantAPIError,
    AssistantAuthError,
    AssistantConnectionError,
    AssistantError,
    AssistantRateLimitError,
    AssistantSettings,
    AssistantTimeoutError,
    ContractError,
    DataFrameSchema,
    MissingApiKeyError,
    ask_python_snippet,
    ask_safe_actions,
    render_pandas_code,
    save_api_key,
)
from engine.assistant.safe_actions import KIND, contract_sha256
from engine.workspace import Workspace

KEY = "sk-test-5d41402abc4b2a76b9719d911017c592"
SCHEMA = DataFrameSchema(columns={"speed_kts": "float64", "callsign": "str", "altitude_ft": "int64"}, row_count=42)
QUESTION = "keep fast flights above 250 knots"
CONTRACT = {
    "schema_version": 1,
    "kind": KIND,
    "actions": [
        {"action": "filter_rows", "column": "speed_kts", "operator": "gt", "value": 250},
        {"action": "select_columns", "columns": ["callsign", "speed_kts"]},
    ],
    "notes": "fast flights only",
}


def settings_for(server: FakeResponsesServer, **overrides: Any) -> AssistantSettings:
    values: dict[str, Any] = {"model": "gpt-test", "base_url": server.base_url, "timeout_s": 10.0, "max_retries": 0}
    values.update(overrides)
    return AssistantSettings(**values)


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return KEY


def assert_key_only_in_authorization(server: FakeResponsesServer, key: str) -> None:
    assert server.requests, "the server received no request"
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {key}"
        assert key.encode() not in request.raw_body
        others = {name: value for name, value in request.headers.items() if name != "authorization"}
        assert all(key not in value for value in others.values()), others


async def test_good_answer_gives_validated_contract_code_and_stage_fields(
    fake_api: FakeResponsesServer, env_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.answer(json.dumps(CONTRACT), response_id="resp_good")
    result = await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)

    assert result.mode == "safe_actions"
    assert result.contract == CONTRACT
    assert result.code == render_pandas_code(CONTRACT)
    assert result.notes == "fast flights only"
    assert result.response_id == "resp_good"
    fields = result.stage_fields
    assert fields["generation_mode"] == "safe_actions"
    assert json.loads(fields["action_contract"]) == CONTRACT
    assert fields["action_contract_sha256"] == contract_sha256(CONTRACT)
    assert (fields["Q"], fields["M"], fields["C"]) == (QUESTION, "gpt-test", result.code)
    assert (fields["template_id"], fields["template_version"], fields["kind"]) == ("dataframe.safe_actions", 1, "template")

    (request,) = fake_api.requests
    assert request.path == "/v1/responses"
    body = request.json
    assert body["model"] == "gpt-test"
    assert "Safe Actions contract" in body["instructions"]
    assert QUESTION in body["input"]
    for name, dtype in SCHEMA.columns.items():
        assert f'"name": "{name}"' in body["input"] and f'"dtype": "{dtype}"' in body["input"]
    assert '"row_count": 42' in body["input"]
    assert "groupby_aggregate" in body["input"]
    assert_key_only_in_authorization(fake_api, KEY)
    assert KEY not in repr(result) and KEY not in json.dumps(result.stage_fields)
    assert "/v1/responses" in caplog.text  # openai/httpx debug logging was captured...
    assert KEY not in caplog.text  # ...and it never shows the key


async def test_key_from_workspace_secrets_file(fake_api: FakeResponsesServer, workspace: Workspace) -> None:
    save_api_key(workspace, KEY)
    fake_api.answer(json.dumps(CONTRACT))
    result = await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA, workspace=workspace)
    assert result.contract == CONTRACT
    assert_key_only_in_authorization(fake_api, KEY)


async def test_dataframe_schema_argument_is_described_to_the_model(
    fake_api: FakeResponsesServer, env_key: str
) -> None:
    df = pd.DataFrame({"speed_kts": [200.0, 300.0], "callsign": ["AF1", "BA2"]})
    fake_api.answer(json.dumps({"schema_version": 1, "kind": KIND, "actions": [], "notes": ""}))
    result = await ask_safe_actions(settings_for(fake_api), "nothing", df)
    assert result.contract is not None and result.contract["actions"] == []
    assert "df is unchanged" in result.code
    body_input = fake_api.requests[0].json["input"]
    assert '"name": "callsign"' in body_input and '"row_count": 2' in body_input


async def test_fenced_answer_is_accepted(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.answer("Here is the contract:\n\n```json\n" + json.dumps(CONTRACT, indent=2) + "\n```\nDone.")
    result = await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    assert result.contract == CONTRACT


async def test_contract_embedded_in_prose_is_accepted(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.answer("Using {speed} as the key, I propose " + json.dumps(CONTRACT) + " which filters rows.")
    result = await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    assert result.contract == CONTRACT


async def test_malformed_json_is_an_answer_error_keeping_the_text(
    fake_api: FakeResponsesServer, env_key: str
) -> None:
    broken = '{"schema_version": 1, "kind": "agilab.generated_dataframe_actions", "actions": [{"action": '
    fake_api.answer(broken)
    with pytest.raises(AssistantAnswerError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    assert "not a valid Safe Actions contract" in str(caught.value)
    assert caught.value.raw_text == broken


async def test_invalid_action_names_the_action(fake_api: FakeResponsesServer, env_key: str) -> None:
    bad = {**CONTRACT, "actions": [CONTRACT["actions"][0], {"action": "run_python", "code": "import os"}]}
    fake_api.answer(json.dumps(bad))
    with pytest.raises(AssistantAnswerError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    cause = caught.value.__cause__
    assert isinstance(cause, ContractError)
    assert (cause.action_index, cause.key) == (1, "action")
    assert "action 2" in str(caught.value) and "run_python" in str(caught.value)


async def test_unknown_column_names_the_column(fake_api: FakeResponsesServer, env_key: str) -> None:
    bad = {**CONTRACT, "actions": [{"action": "filter_rows", "column": "ground_speed", "operator": "gt", "value": 1}]}
    fake_api.answer(json.dumps(bad))
    with pytest.raises(AssistantAnswerError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    cause = caught.value.__cause__
    assert isinstance(cause, ContractError) and cause.column == "ground_speed"
    assert "'ground_speed'" in str(caught.value)


async def test_http_401_is_an_auth_error_without_the_key(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.fail(401, f"Incorrect API key provided: {KEY}")
    with pytest.raises(AssistantAuthError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    assert caught.value.status == 401
    assert "HTTP 401" in str(caught.value)
    assert KEY not in str(caught.value)


async def test_http_429_is_a_rate_limit_error_with_retry_after(
    fake_api: FakeResponsesServer, env_key: str
) -> None:
    fake_api.fail(429, "Rate limit reached for requests", headers={"retry-after": "7"})
    with pytest.raises(AssistantRateLimitError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    assert caught.value.retry_after_s == 7.0
    assert "retry after 7 s" in str(caught.value)
    assert len(fake_api.requests) == 1  # max_retries=0: no hidden retry


async def test_http_500_is_an_api_error_with_the_status(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.fail(500, "The server had an error while processing your request")
    with pytest.raises(AssistantAPIError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA)
    assert type(caught.value) is AssistantAPIError
    assert caught.value.status == 500
    assert "HTTP 500" in str(caught.value) and "processing your request" in str(caught.value)


async def test_retries_follow_the_settings(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.fail(500, "transient", headers={"retry-after-ms": "1"})
    fake_api.answer(json.dumps(CONTRACT))
    result = await ask_safe_actions(settings_for(fake_api, max_retries=1), QUESTION, SCHEMA)
    assert result.contract == CONTRACT
    assert len(fake_api.requests) == 2


async def test_slow_answer_times_out(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.answer_slowly(json.dumps(CONTRACT))
    with pytest.raises(AssistantTimeoutError) as caught:
        await ask_safe_actions(settings_for(fake_api, timeout_s=0.3), QUESTION, SCHEMA)
    assert "within 0.3 s" in str(caught.value)


async def test_question_can_be_cancelled(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.answer_slowly(json.dumps(CONTRACT))
    task = asyncio.create_task(ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA))
    assert await asyncio.to_thread(fake_api.received.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_missing_key_fails_before_any_request(fake_api: FakeResponsesServer, workspace: Workspace) -> None:
    with pytest.raises(MissingApiKeyError) as caught:
        await ask_safe_actions(settings_for(fake_api), QUESTION, SCHEMA, workspace=workspace)
    assert "OPENAI_API_KEY" in str(caught.value) and str(workspace.secrets_file) in str(caught.value)
    assert fake_api.requests == []


async def test_empty_question_fails_before_any_request(fake_api: FakeResponsesServer, env_key: str) -> None:
    with pytest.raises(AssistantError, match="question is empty"):
        await ask_safe_actions(settings_for(fake_api), "   ", SCHEMA)
    assert fake_api.requests == []


async def test_unreachable_endpoint_is_a_connection_error(env_key: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = AssistantSettings(model="gpt-test", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(AssistantConnectionError) as caught:
        await ask_safe_actions(settings, QUESTION, SCHEMA)
    assert f"127.0.0.1:{port}" in str(caught.value)


async def test_python_snippet_is_marked_and_never_executed(
    fake_api: FakeResponsesServer, env_key: str, tmp_path: Path
) -> None:
    marker = tmp_path / "executed.txt"
    code = f"open({str(marker)!r}, 'w').write('ran')\ndf = df[df['speed_kts'] > 250]"
    fake_api.answer(f"Sure:\n```python\n{code}\n```\n")
    result = await ask_python_snippet(settings_for(fake_api), QUESTION, SCHEMA)

    assert result.mode == "python_snippet"
    assert result.code.startswith("# AGILAB Python snippet (advanced)")
    assert "Review it before running" in result.code
    assert result.code.endswith(code + "\n")
    assert result.contract is None
    assert result.stage_fields == {"generation_mode": "python_snippet", "C": result.code, "Q": QUESTION,
                                   "M": "gpt-test"}
    assert not marker.exists()
    body = fake_api.requests[0].json
    assert QUESTION in body["input"] and '"name": "callsign"' in body["input"]
    assert "```python" in body["instructions"]
    assert_key_only_in_authorization(fake_api, KEY)


async def test_snippet_answer_without_code_is_an_answer_error(fake_api: FakeResponsesServer, env_key: str) -> None:
    fake_api.answer("```python\n\n```")
    with pytest.raises(AssistantAnswerError, match="holds no code"):
        await ask_python_snippet(settings_for(fake_api), QUESTION, SCHEMA)


def test_settings_never_show_or_dump_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_MODEL", "gpt-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    settings = AssistantSettings(api_key=KEY)
    assert (settings.model, settings.base_url) == ("gpt-env", "http://127.0.0.1:9/v1")
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump()) and KEY not in settings.model_dump_json()
    assert settings.api_key is not None and settings.api_key.get_secret_value() == KEY


def test_settings_reject_a_bad_base_url() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        AssistantSettings(base_url="ftp://example.invalid/v1")
