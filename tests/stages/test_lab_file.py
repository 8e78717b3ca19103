"""lab_stages.toml model: lossless round trip, edits that keep unknown keys, guarded saves, clear errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import FileChangedError, SettingsError
from engine.stages import (
    LOCKED_KEY,
    SNIPPET_SOURCE_KEY,
    LabStagesFile,
    StageError,
    StageLockedError,
    is_displayable,
)


@pytest.mark.parametrize("fixture", ["inline_lab", "tables_lab"])
def test_unchanged_file_saves_byte_identical(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    original = path.read_bytes()
    lab = LabStagesFile.load(path)
    lab.save()
    assert path.read_bytes() == original


def test_reads_stages_meta_and_unknown_keys(inline_lab: Path) -> None:
    lab = LabStagesFile.load(inline_lab)
    assert lab.modules() == ["uav_queue"]
    seed = lab.stage("uav_queue", 0)
    assert seed["NB_CELL_ID"] == "c0ffee" and seed["NB_ENV_HINTS"] == ["pandas", "numpy"]
    assert seed["automation"]["outputs"] == ["queue.csv"]
    assert seed["profiles"] == {"smoke": {"skip": True}}
    assert lab.displayable_indices("uav_queue") == [0, 2]
    assert lab.sequence("uav_queue") == [2, 0]
    assert lab.automation("uav_queue") == {"profile": "smoke", "max_workers": 2}


@pytest.mark.parametrize("fixture", ["inline_lab", "tables_lab"])
def test_edit_keeps_unknown_keys_comments_and_other_stages(fixture: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    lab = LabStagesFile.load(path)
    module = lab.modules()[0]
    before = lab.stages(module)
    lab.update_stage(module, 0, {"D": "Renamed", "C": "x = 1\ny = 2\n"})
    lab.save()

    text = path.read_text("utf-8")
    data = tomllib.loads(text)
    stage = data[module][0]
    assert stage["D"] == "Renamed" and stage["C"] == "x = 1\ny = 2\n"
    untouched = {k: v for k, v in before[0].items() if k not in ("D", "C")}
    assert {k: stage[k] for k in untouched} == untouched
    assert data[module][1:] == before[1:]
    assert data["__meta__"] == tomllib.loads(request.getfixturevalue(fixture).read_text())["__meta__"]
    for comment in ("# seed stage", "# written by AGILAB 2026.05") if fixture == "inline_lab" else ("# description",):
        assert comment in text


def test_add_remove_move_keep_sequence_pointing_at_same_stages(inline_lab: Path) -> None:
    lab = LabStagesFile.load(inline_lab)
    summary_id = lab.stage("uav_queue", 2)["id"]
    lab.add_stage("uav_queue", {"D": "First", "Q": "q", "C": "a = 1\n"}, index=0)
    assert [lab.stage("uav_queue", i).get("D") for i in lab.sequence("uav_queue")] == \
        ["Summarise", "Seed the UAV relay queue scenario", "First"]
    lab.move_stage("uav_queue", 3, 1)
    assert lab.stage("uav_queue", 1)["id"] == summary_id
    assert [lab.stage("uav_queue", i).get("D") for i in lab.sequence("uav_queue")] == \
        ["Summarise", "Seed the UAV relay queue scenario", "First"]
    removed = lab.remove_stage("uav_queue", 1)
    assert removed["id"] == summary_id
    assert [lab.stage("uav_queue", i).get("D") for i in lab.sequence("uav_queue")] == \
        ["Seed the UAV relay queue scenario", "First"]
    lab.save()
    reread = LabStagesFile.load(inline_lab)
    assert [s.get("D") for s in reread.stages("uav_queue")] == ["First", "Seed the UAV relay queue scenario", ""]
    assert reread.stage("uav_queue", 1)["NB_CELL_ID"] == "c0ffee"


def test_new_file_and_new_module_keep_meta_last(tmp_path: Path, tables_lab: Path) -> None:
    fresh = LabStagesFile.load(tmp_path / "new" / "lab_stages.toml")
    assert fresh.modules() == [] and fresh.stages("demo") == []
    fresh.add_stage("demo", {"D": "one", "Q": "", "C": "print('hi')\nprint('there')\n", "R": "runpy"})
    fresh.set_sequence("demo", [0])
    fresh.save()
    data = tomllib.loads((tmp_path / "new" / "lab_stages.toml").read_text())
    assert data["__meta__"]["schema"] == "agilab.lab_stages.v1" and data["__meta__"]["demo__sequence"] == [0]
    assert data["demo"][0]["C"] == "print('hi')\nprint('there')\n"

    lab = LabStagesFile.load(tables_lab)
    lab.add_stage("other", {"D": "x", "C": "y = 1\n"})
    lab.save()
    text = tables_lab.read_text()
    assert text.rstrip().endswith('flight__automation = { profile = "balanced", max_workers = 1 }')
    assert tomllib.loads(text)["other"] == [{"D": "x", "C": "y = 1\n"}]


def test_refuses_to_overwrite_a_file_changed_on_disk(inline_lab: Path) -> None:
    lab = LabStagesFile.load(inline_lab)
    lab.update_stage("uav_queue", 0, {"D": "mine"})
    someone_else = inline_lab.read_text().replace("Summarise the queue", "Theirs")
    inline_lab.write_text(someone_else)
    assert lab.changed_on_disk()
    with pytest.raises(FileChangedError) as info:
        lab.save()
    assert str(inline_lab) in str(info.value)
    assert inline_lab.read_text() == someone_else
    lab.reload()
    assert lab.stage("uav_queue", 2)["Q"] == "Theirs" and lab.stage("uav_queue", 0)["D"] != "mine"
    lab.update_stage("uav_queue", 0, {"D": "mine"})
    lab.save()
    assert tomllib.loads(inline_lab.read_text())["uav_queue"][2]["Q"] == "Theirs"


def test_refuses_to_save_over_a_file_created_after_loading_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "lab_stages.toml"
    lab = LabStagesFile.load(path)
    path.write_text('x = [ { C = "keep" } ]\n')
    lab.add_stage("x", {"C": "mine"})
    with pytest.raises(FileChangedError):
        lab.save()
    assert path.read_text() == 'x = [ { C = "keep" } ]\n'


@pytest.mark.parametrize(("text", "line", "key"), [
    ('uav = [\n  { D = "a", C = "b" },\n  { D = "unterminated },\n]\n', 3, None),
    ('[__meta__]\nschema = "agilab.lab_stages.v2"\n', 2, "__meta__.schema"),
    ('uav = [ { C = "a" }, 3 ]\n', 1, "uav"),
    ('uav = [ { C = "a" } ]\n\n[__meta__]\nuav__sequence = ["first"]\n', 4, "__meta__.uav__sequence"),
])
def test_malformed_file_names_file_and_line_and_stays_untouched(
        tmp_path: Path, text: str, line: int, key: str | None) -> None:
    path = tmp_path / "lab_stages.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as info:
        LabStagesFile.load(path)
    assert info.value.path == path and info.value.line == line and info.value.key == key
    assert str(path) in str(info.value) and f"line {line}" in str(info.value)
    assert path.read_text() == text


def test_locked_imported_stage_code_is_not_edited(inline_lab: Path) -> None:
    lab = LabStagesFile.load(inline_lab)
    lab.lock_stage("uav_queue", 2, "log/execute/uav_queue/AGI_run_uav_queue.py")
    stage = lab.stage("uav_queue", 2)
    assert stage[LOCKED_KEY] is True and stage[SNIPPET_SOURCE_KEY].endswith("AGI_run_uav_queue.py")
    with pytest.raises(StageLockedError):
        lab.update_stage("uav_queue", 2, {"C": "print('edited')\n"})
    lab.update_stage("uav_queue", 2, {"D": "renamed is fine"})
    assert lab.stage("uav_queue", 2)["C"] == "df = df.describe()\n"


def test_bad_indices_and_settings_are_errors(inline_lab: Path) -> None:
    lab = LabStagesFile.load(inline_lab)
    with pytest.raises(StageError, match="no stage 7"):
        lab.stage("uav_queue", 7)
    with pytest.raises(StageError, match="no module 'nope'"):
        lab.update_stage("nope", 0, {})
    with pytest.raises(StageError):
        lab.set_sequence("uav_queue", [0, 0])
    with pytest.raises(StageError):
        lab.set_automation("uav_queue", max_workers=9)
    lab.set_automation("uav_queue", max_workers=4)
    assert lab.automation("uav_queue") == {"profile": "smoke", "max_workers": 4}


def test_displayable_rule() -> None:
    assert is_displayable({"Q": "ask"}) and is_displayable({"C": "x = 1"})
    assert not is_displayable({"D": "only a description", "Q": "", "C": "  \n"})


_codes = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=60, deadline=None)
@given(code=_codes, inline=st.booleans())
def test_any_code_text_round_trips(tmp_path_factory: pytest.TempPathFactory, code: str, inline: bool) -> None:
    path = tmp_path_factory.mktemp("rt") / "lab_stages.toml"
    path.write_text('m = [\n  { D = "a", C = "" },\n]\n' if inline else '[[m]]\nD = "a"\nC = ""\n')
    lab = LabStagesFile.load(path)
    lab.update_stage("m", 0, {"C": code})
    lab.add_stage("m", {"D": "b", "C": code})
    lab.save()
    data = tomllib.loads(path.read_text("utf-8"))
    assert data["m"][0]["C"] == code and data["m"][1]["C"] == code
