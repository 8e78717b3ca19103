"""One-shot converter: generated run snippets become template stages, hand-written code stays raw."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from engine.stages import (
    LabStagesFile,
    NotConvertible,
    StageError,
    StageStatus,
    apply_conversion,
    preview_conversion,
    recognise_run_snippet,
    stage_code,
    stage_status,
)

GENERATED = '''# AGILAB generated snippet
# snippet_api: agi.snippet.v1
# app: flight_telemetry_project
# generator: agilab.orchestrate
import asyncio
from engine.facade import AGI, AgiEnv
from engine.run_request import RunRequest

AGILAB_SNIPPET_API = "agi.snippet.v1"
APP = "flight_telemetry_project"
RUN_PARAMS = {"nfile": 1, "nskip": 0, "datemin": "2020-01-01"}
RUN_DATA_IN = "flight/dataset"
RUN_DATA_OUT = "flight/dataframe"
RUN_MODE = 4


async def main():
    app_env = AgiEnv(app=APP, verbose=1)
    request = RunRequest(params=RUN_PARAMS, data_in=RUN_DATA_IN, data_out=RUN_DATA_OUT, mode=RUN_MODE,
                         scheduler="127.0.0.1:8786")
    res = await AGI.run(app_env, request=request)
    print(res)
    return res


if __name__ == "__main__":
    asyncio.run(main())
'''

HAND_WRITTEN = "import pandas as pd\ndf = pd.read_csv('lab_out.csv')\ndf['b'] = df['a'] * 2\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.fixture
def mixed_lab(tmp_path: Path) -> Path:
    path = tmp_path / "lab_stages.toml"
    path.write_text(
        "# mixed lab\n"
        "flight = [\n"
        f"  {{ D = \"Run flights\", Q = \"Run the app\", M = \"\", C = {_toml_string(GENERATED)}, R = \"runpy\", "
        "_orchestrate_locked_stage = true, _orchestrate_snippet_source = \"AGI_run_flight.py\", NB_CELL_ID = \"n1\" },\n"
        f"  {{ D = \"Double a\", Q = \"double a\", M = \"\", C = {_toml_string(HAND_WRITTEN)}, R = \"runpy\" }},\n"
        "]\n\n[__meta__]\nschema = \"agilab.lab_stages.v1\"\nversion = 1\nflight__sequence = [0, 1]\n")
    return path


def test_recognises_generated_run_snippet_without_executing_it() -> None:
    payload = recognise_run_snippet(GENERATED).payload
    assert payload.template_id == "pipeline.agi_run.single_action" and payload.app == "flight_telemetry_project"
    assert payload.args == {"params": {"nfile": 1, "nskip": 0, "datemin": "2020-01-01"},
                            "data_in": "flight/dataset", "data_out": "flight/dataframe", "mode": 4,
                            "scheduler": "127.0.0.1:8786"}


@pytest.mark.parametrize(("code", "reason"), [
    (HAND_WRITTEN, "header"),
    (GENERATED.replace("    print(res)\n", "    print(res)\n    open('x', 'w').write(str(res))\n"), "open"),
    (GENERATED.replace('RUN_MODE = 4', 'RUN_MODE = 2 + 2'), "RUN_MODE"),
    (GENERATED.replace("AGI.run(", "AGI.install("), "AGI.install"),
    (GENERATED.replace("    print(res)\n", "    for i in range(2):\n        print(res)\n"), "For"),
    (GENERATED.replace('RUN_MODE = 4', 'RUN_MODE = 99'), "mode"),
    (GENERATED.replace("print(res)", "print(res"), "does not parse"),
], ids=["hand-written", "extra-io", "computed-constant", "install", "loop", "bad-mode", "syntax"])
def test_anything_else_stays_raw_with_a_reason(code: str, reason: str) -> None:
    with pytest.raises(NotConvertible, match=reason):
        recognise_run_snippet(code)


def test_preview_then_apply_on_a_mixed_file(mixed_lab: Path) -> None:
    original = mixed_lab.read_bytes()
    previews = preview_conversion(mixed_lab)
    assert [(p.module, p.index) for p in previews] == [("flight", 0)]
    (preview,) = previews
    assert preview.before["C"] == GENERATED
    assert preview.after["kind"] == "template" and preview.after["app"] == "flight_telemetry_project"
    assert "+template_id = \"pipeline.agi_run.single_action\"" in preview.diff
    assert "-    res = await AGI.run(app_env, request=request)" in preview.diff
    assert mixed_lab.read_bytes() == original  # a preview writes nothing

    apply_conversion(mixed_lab, previews)
    lab = LabStagesFile.load(mixed_lab)
    converted, raw = lab.stages("flight")
    assert stage_status(converted).status is StageStatus.CURRENT
    assert stage_status(raw).status is StageStatus.RAW_PYTHON and raw["C"] == HAND_WRITTEN
    assert converted["args"]["scheduler"] == "127.0.0.1:8786" and converted["args"]["mode"] == 4
    assert converted["NB_CELL_ID"] == "n1" and converted["_orchestrate_snippet_source"] == "AGI_run_flight.py"
    assert converted["Q"] == "Run the app" and converted["R"] == "runpy"
    compile(converted["C"], "stage.py", "exec")
    assert stage_code(converted) == converted["C"]
    assert recognise_run_snippet(converted["C"]).payload.args == converted["args"]
    text = mixed_lab.read_text()
    assert text.startswith("# mixed lab\n") and tomllib.loads(text)["__meta__"]["flight__sequence"] == [0, 1]
    assert preview_conversion(mixed_lab) == []  # converting twice changes nothing


def test_apply_refuses_when_the_stage_changed_since_preview(mixed_lab: Path) -> None:
    previews = preview_conversion(mixed_lab)
    lab = LabStagesFile.load(mixed_lab)
    lab.update_stage("flight", 0, {"D": "edited meanwhile"})
    lab.save()
    edited = mixed_lab.read_bytes()
    with pytest.raises(StageError, match="changed since"):
        apply_conversion(mixed_lab, previews)
    assert mixed_lab.read_bytes() == edited


def test_agilab_safe_action_stage_converts_to_safe_actions_template(tmp_path: Path) -> None:
    assistant = pytest.importorskip("engine.assistant.safe_actions")
    path = tmp_path / "lab_stages.toml"
    path.write_text(
        '[[m]]\nD = "keep a"\nQ = "keep column a"\nC = "df = df[[\'a\']].copy()\\n"\nR = "runpy"\n'
        'generation_mode = "safe_actions"\n\n[m.action_contract]\nschema_version = 1\n'
        'kind = "agilab.generated_dataframe_actions"\nactions = [ { action = "select_columns", columns = ["a"] } ]\n'
        'notes = ""\n')
    (preview,) = preview_conversion(path)
    contract = {"schema_version": 1, "kind": "agilab.generated_dataframe_actions",
                "actions": [{"action": "select_columns", "columns": ["a"]}], "notes": ""}
    assert preview.after["template_id"] == "dataframe.safe_actions"
    assert preview.after["C"] == assistant.render_pandas_code(contract)
    assert preview.after["action_contract"] == preview.before["action_contract"]  # same content, same form
    apply_conversion(path, [preview])
    assert stage_status(LabStagesFile.load(path).stage("m", 0)).status is StageStatus.CURRENT


def test_orchestrate_run_snippet_is_recognised_as_a_template_stage(tmp_path, monkeypatch):
    """The snippet ORCHESTRATE generates (and WORKFLOW imports) converts without losing an argument."""
    from engine.facade import Engine
    from engine.stages import recognise_run_snippet
    from engine.workspace import Workspace

    monkeypatch.setenv("AGILAB_TUI_HOME", str(tmp_path))
    engine = Engine(Workspace(tmp_path))
    snippet = engine.snippets("flight_telemetry_project")["run"]
    payload = recognise_run_snippet(snippet).payload
    request = engine.request_from_settings("flight_telemetry_project")
    args = payload.args_dict()
    assert payload.app == "flight_telemetry_project"
    assert args["params"] == dict(request.params)
    assert args["data_out"] == request.data_out and args["workers"] == request.workers
