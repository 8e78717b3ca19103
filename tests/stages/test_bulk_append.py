"""Bulk appends (notebook import) write stages as text; the file must be the one tomlkit would write."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from engine.stages import LabStagesFile
from engine.stages.toml_text import render_string

META_FIRST = ('[__meta__]\nschema = "agilab.lab_stages.v1"\nversion = 1\nm__sequence = [1, 0]\n\n'
              '# a comment the user wrote\n[[m]]\nD = "a"\nC = "x"\n\n[[m]]\nD = "b"\nC = """y\nz"""\n')
META_LAST = ('[[m]]\nD = "a"  # trailing comment\nC = "x"\n\n[[other]]\nC = "o"\n\n'
             '[__meta__]\nschema = "agilab.lab_stages.v1"\nm__sequence = [0]\nother__sequence = [0]\n')
QUOTED_MODULE = '[["my mod"]]\nC = "x"\n'
SHAPES = {"meta-first": META_FIRST, "meta-last-other-module": META_LAST, "quoted-module": QUOTED_MODULE,
          "empty-file": "", "missing-file": None}

STAGES = [
    {"D": "Step 1\nexplains", "Q": "", "M": "", "C": "df = load('x.csv')\nprint(\"rows\", len(df))\n",
     "R": "runpy", "E": "", "NB_CELL_INDEX": 3, "NB_SOURCE": "/data/a b/nb.ipynb"},
    {"D": 'quotes "q" and back\\slash\ttab', "C": '"""doc"""\nx = "a""b"\n', "NB_RATIO": 1.5, "NB_OK": True},
    {"C": "\nleading newline", "L": [1, "two", [3.0]], "T": ("a", "b"), "skipped": None},
    {"C": "", "D": "cr\rlone\nend\x01\x7f é \u2028", "weird key": "v", "ünï": 0},
]


def _one_blank_line(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text)


def _write_both(tmp_path: Path, text: str | None, module: str, stages: list[dict], replace: bool) -> tuple[str, str]:
    results = []
    for way in ("tomlkit", "text"):
        path = tmp_path / way / "lab_stages.toml"
        path.parent.mkdir(parents=True)
        if text is not None:
            path.write_text(text, "utf-8")
        lab = LabStagesFile.load(path)
        if way == "tomlkit":
            lab.add_stages(module, stages, replace=replace)
            lab.save()
        else:
            lab.append_and_save(module, stages, replace=replace)
        results.append(path.read_text("utf-8"))
    return results[0], results[1]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("module", ["m", "my mod", "fresh"])
@pytest.mark.parametrize("replace", [False, True], ids=["append", "replace"])
def test_text_append_writes_what_tomlkit_writes(tmp_path: Path, shape: str, module: str, replace: bool):
    by_tomlkit, by_text = _write_both(tmp_path, SHAPES[shape], module, STAGES, replace)
    assert tomllib.loads(by_text) == tomllib.loads(by_tomlkit)
    # The same text, but for tomlkit's habit of putting two blank lines between the tables of a
    # module it has just created: the text path always writes one.
    assert _one_blank_line(by_text) == _one_blank_line(by_tomlkit)
    if module == "m" and shape.startswith("meta"):
        assert by_text == by_tomlkit
    assert "agilab_tui_append" not in by_text


@pytest.mark.parametrize("value", [
    "", "plain", 'a"b', "a\\b", "tab\there", "\x00\x08\x1f\x7f", "é\u2028\U0001f600",
    "multi\nline", "\n", "\n\n", 'ends with quote"\n"', 'ends with two""\n""', 'three"""\n"""',
    'four""""\nx', "back\\\nslash\\", "crlf\r\nline", "lone\rcr\nline", "\r\n", '"\n',
])
def test_rendered_strings_read_back_exactly(value: str):
    # tomlkit writes CRLF raw inside multi-line strings, where readers turn it into a bare newline;
    # the text path escapes it, so an imported Windows notebook keeps its line endings.
    assert tomllib.loads(f"k = {render_string(value)}\n")["k"] == value


def test_inline_modules_and_sub_tables_take_the_tomlkit_path(tmp_path: Path):
    inline = 'm = [ { D = "a", C = "x" } ]\n'
    by_tomlkit, by_text = _write_both(tmp_path / "inline", inline, "m", STAGES[:2], False)
    assert by_text == by_tomlkit and tomllib.loads(by_text)["m"][2]["NB_OK"] is True
    nested = [{"C": "x", "P": {"k": 1}}]
    by_tomlkit, by_text = _write_both(tmp_path / "nested", META_FIRST, "m", nested, False)
    assert by_text == by_tomlkit and tomllib.loads(by_text)["m"][2]["P"] == {"k": 1}


def test_document_after_a_text_append_is_the_saved_file(tmp_path: Path):
    path = tmp_path / "lab_stages.toml"
    path.write_text(META_FIRST)
    lab = LabStagesFile.load(path)
    assert lab.append_and_save("m", STAGES) == 2 + len(STAGES)
    assert lab.count("m") == 2 + len(STAGES)
    assert lab.sequence("m") == [1, 0, 2, 3, 4, 5]
    assert not lab.changed_on_disk()
    lab.update_stage("m", 0, {"D": "edited"})
    lab.save()  # the digest of the text append is the one on disk: no FileChangedError
    assert tomllib.loads(path.read_text())["m"][0]["D"] == "edited"
