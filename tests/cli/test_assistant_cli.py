"""``agilab-tui assistant build|ask``: Safe Actions headless, the model served by a local Responses API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import tomlkit
from conftest import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "assistant"))
from responses_server import FakeResponsesServer  # noqa: E402

APP = "flight_telemetry_project"
CONTRACT = {"schema_version": 1, "kind": "agilab.generated_dataframe_actions",
            "actions": [{"action": "filter_rows", "column": "alt", "operator": "gt", "value": 1000},
                        {"action": "select_columns", "columns": ["aircraft", "alt"]}], "notes": "high only"}


@pytest.fixture
def lab_frame(isolated_home: Path) -> Path:
    """The current dataframe of the flight app's lab (what a stage run leaves as lab_out.csv)."""
    path = isolated_home / "export" / "flight_telemetry" / "lab_out.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("aircraft,alt,speed\nA1,500,10\nA2,1500,12\nA3,3000,14\n")
    return path


def _stages(home: Path) -> list[dict]:
    doc = tomlkit.parse((home / "export" / "flight_telemetry" / "lab_stages.toml").read_text())
    return [dict(s) for s in doc["flight_telemetry"]]


def test_build_validates_against_the_dataframe_and_appends_a_stage(isolated_home: Path, lab_frame: Path,
                                                                   tmp_path: Path):
    contract = tmp_path / "contract.json"
    contract.write_text(json.dumps(CONTRACT))
    dry = cli(isolated_home, "assistant", "build", APP, "--contract", str(contract), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    payload = json.loads(dry.stdout)
    assert payload["stage"] is None and payload["checked_columns"] is True
    assert "df['alt'] > 1000" in payload["code"]
    assert not (isolated_home / "export" / "flight_telemetry" / "lab_stages.toml").exists() or \
        all(s.get("generation_mode") != "safe_actions" for s in _stages(isolated_home))

    saved = cli(isolated_home, "assistant", "build", APP, "--contract", "-", "--question", "keep the high ones",
                "--json", stdin=json.dumps(CONTRACT))
    assert saved.returncode == 0, saved.stderr
    stage = json.loads(saved.stdout)["stage"]
    written = _stages(isolated_home)[stage["index"]]
    assert written["generation_mode"] == "safe_actions" and written["Q"] == "keep the high ones"
    assert json.loads(written["action_contract"])["actions"] == CONTRACT["actions"]
    assert written["action_contract_sha256"]


def test_build_refuses_unknown_columns_and_changes_nothing(isolated_home: Path, lab_frame: Path, tmp_path: Path):
    bad = {**CONTRACT, "actions": [{"action": "select_columns", "columns": ["altitude"]}]}
    out = cli(isolated_home, "assistant", "build", APP, "--contract", "-", stdin=json.dumps(bad))
    assert out.returncode == 1 and "altitude" in out.stderr
    assert not (isolated_home / "export" / "flight_telemetry" / "lab_stages.toml").exists()
    malformed = cli(isolated_home, "assistant", "build", APP, "--contract", "-", "--json", stdin="{not json")
    assert malformed.returncode == 1 and json.loads(malformed.stdout)["ok"] is False


def test_ask_gets_a_validated_contract_from_the_responses_api_and_saves_it(isolated_home: Path, lab_frame: Path):
    server = FakeResponsesServer()
    server.start()
    try:
        server.answer("```json\n" + json.dumps(CONTRACT) + "\n```", model="gpt-test")
        env = {"OPENAI_API_KEY": "sk-test-cli", "OPENAI_BASE_URL": server.base_url, "NO_PROXY": "127.0.0.1"}
        out = cli(isolated_home, "assistant", "ask", APP, "keep high altitudes", "--model", "gpt-test", "--save",
                  "--json", env=env)
    finally:
        server.stop()
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["contract"]["actions"] == CONTRACT["actions"] and payload["stage"]["index"] >= 0
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer sk-test-cli"
    assert "alt" in json.dumps(request.json)  # the dataframe schema went with the prompt
    stages_text = (isolated_home / "export" / "flight_telemetry" / "lab_stages.toml").read_text()
    assert "sk-test-cli" not in stages_text


def test_ask_without_a_key_fails_clearly(isolated_home: Path, lab_frame: Path):
    out = cli(isolated_home, "assistant", "ask", APP, "anything", "--json", env={"OPENAI_API_KEY": ""})
    assert out.returncode == 1
    assert "key" in json.loads(out.stdout)["error"].lower()
