"""Supervisor notebook export (executed on a real kernel) and non-executing notebook import."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from nbformat import v4

from engine.atomic import content_digest
from engine.errors import AgilabError
from engine.stages_run import (
    Lab,
    apply_import,
    export_notebook,
    preview_notebook_import,
    read_stages,
)
from engine.stages_run.notebook_export import helper_source

from .helpers import raw_stage

STAGES = [
    raw_stage("import pandas as pd\ndf = pd.DataFrame({'n': [1, 2, 3]})\n", "Seed numbers",
              Q="Make three numbers\nplease", M="gpt-5.4-mini"),
    raw_stage("df['sq'] = df['n'] ** 2\nprint(df['sq'].sum())\n", "Square them", R="runpy", id="square",
              automation={"outputs": ["lab_out.csv"], "parallel_safe": True}),
]


def _strip_provenance(stage: dict) -> dict:
    return {k: v for k, v in stage.items() if not k.startswith("NB_")}


@pytest.mark.slow
def test_exported_notebook_runs_on_a_real_kernel(make_lab):
    from nbclient import NotebookClient

    lab = make_lab(STAGES)
    path = export_notebook(lab)
    assert path == lab.stages_file.parent / "lab_stages.ipynb"
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["agilab"]["schema"] == "agilab.notebook_export.v1"
    assert notebook.metadata["agilab"]["version"] == 1
    assert notebook.metadata["agilab"]["export_mode"] == "supervisor"
    stage_cells = [c for c in notebook.cells if "stage_cell" in c.metadata.get("agilab", {})]
    assert [(c.cell_type, c.metadata["agilab"]["stage_cell"]) for c in stage_cells] == [
        ("markdown", 0), ("code", 0), ("markdown", 1), ("code", 1)]

    # The helper cell and then every stage cell run, each stage in its own subprocess.
    NotebookClient(notebook, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(lab.export_dir)}}).execute()

    frame = pd.read_csv(lab.dataframe_file)
    assert frame.to_dict("list") == {"n": [1, 2, 3], "sq": [1, 4, 9]}
    printed = "".join(o.get("text", "") for o in stage_cells[3].outputs if o.output_type == "stream")
    assert "14" in printed
    helper = next(c for c in notebook.cells if c.metadata.get("agilab", {}).get("role") == "helper")
    assert "AGILAB_NOTEBOOK_EXPORT = json.loads(" in helper.source
    assert "def run_agilab_pipeline(stage_indices=None, *, check=True)" in helper.source


@pytest.mark.slow
def test_run_agilab_pipeline_helper_and_a_failing_stage(make_lab, tmp_path):
    from nbclient import NotebookClient

    lab = make_lab([*STAGES, raw_stage("raise ValueError('stage three is broken')\n", "Broken")])
    notebook = nbformat.read(export_notebook(lab), as_version=4)
    notebook.cells = notebook.cells[:2] + [v4.new_code_cell(
        "first = run_agilab_pipeline([0, 1])\n"
        "try:\n    run_agilab_stage(2)\nexcept RuntimeError as exc:\n    print('caught:', exc)\n"
        "print('codes', [r.returncode for r in first], AGILAB_NOTEBOOK_EXPORT['stages'][1]['runtime'])\n")]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()

    text = "".join(o.get("text", "") for o in notebook.cells[-1].outputs if o.output_type == "stream")
    assert "caught: AGILAB stage 2 failed: ValueError: stage three is broken" in text
    assert "codes [0, 0] default" in text
    assert pd.read_csv(lab.dataframe_file)["sq"].tolist() == [1, 4, 9]


def test_export_import_round_trip_keeps_every_stage_field(make_lab, workspace, tmp_path):
    lab = make_lab(STAGES)
    path = export_notebook(lab)

    preview = preview_notebook_import(path)

    assert preview.supervisor and preview.execution_mode == "not_executed_import"
    assert [_strip_provenance(s) for s in preview.stages] == read_stages(lab)
    assert [list(_strip_provenance(s)) for s in preview.stages] == [list(s) for s in read_stages(lab)]
    assert [s["NB_CELL_INDEX"] for s in preview.stages] == [3, 5]
    assert {s["NB_SOURCE_NOTEBOOK"] for s in preview.stages} == {str(path)}

    other = Lab.from_file(tmp_path / "other" / "lab_stages.toml")
    assert apply_import(preview, other) == 2
    assert apply_import(preview, other) == 4  # merging appends after what is there
    assert apply_import(preview, other, replace=True) == 2
    assert [_strip_provenance(s) for s in read_stages(other)] == read_stages(lab)


def test_plain_notebook_import_previews_without_executing(tmp_path, make_lab):
    marker = tmp_path / "executed.txt"
    notebook = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Load the data\nFrom the sensors."),
        v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')\ndf = 1", execution_count=7),
        v4.new_code_cell("   "),
        v4.new_raw_cell("raw text"),
        v4.new_code_cell("%matplotlib inline\nprint(df)"),
    ])
    source = tmp_path / "analysis.ipynb"
    source.write_text(nbformat.writes(notebook))

    preview = preview_notebook_import(source)

    assert not marker.exists()
    assert not preview.supervisor
    first, second = preview.stages
    assert first["D"] == "Load the data\nFrom the sensors."
    assert first["C"] == notebook.cells[1].source
    assert (first["NB_CELL_INDEX"], first["NB_EXECUTION_COUNT"], first["NB_CELL_ID"]) == (
        1, 7, notebook.cells[1].id)
    assert first["NB_EXECUTION_MODE"] == "not_executed_import"
    assert second["D"] == "" and "NB_EXECUTION_COUNT" not in second
    assert second["C"] == "%matplotlib inline\nprint(df)"  # kept verbatim, with a warning
    assert any("cell 4" in w and "IPython syntax" in w for w in preview.warnings)

    lab = make_lab([raw_stage("print('existing')\n", "kept")])
    assert apply_import(preview, lab) == 3
    assert [s["D"] for s in read_stages(lab)] == ["kept", "Load the data\nFrom the sensors.", ""]
    assert not marker.exists()


@pytest.mark.parametrize("content, reason", [
    ("this is not json {", "invalid JSON"),
    (json.dumps({"cells": "nope"}), "without 'nbformat'"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "bogus"}]}),
     "not a valid Jupyter notebook"),
])
def test_bad_notebook_is_a_clear_error_and_nothing_is_lost(tmp_path, make_lab, content, reason):
    lab = make_lab([raw_stage("print('keep me')\n")])
    before = content_digest(lab.stages_file)
    bad = tmp_path / "broken.ipynb"
    bad.write_text(content)

    with pytest.raises(AgilabError) as caught:
        preview_notebook_import(bad)

    assert str(bad) in str(caught.value) and reason in str(caught.value)
    assert bad.read_text() == content
    assert content_digest(lab.stages_file) == before


def test_export_refuses_to_overwrite_an_edited_notebook(make_lab):
    lab = make_lab(STAGES)
    path = export_notebook(lab)
    assert export_notebook(lab) == path  # an untouched export is simply refreshed
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(v4.new_markdown_cell("my own notes"))
    nbformat.write(notebook, path)
    edited = path.read_text()

    with pytest.raises(AgilabError, match="edited since it was exported"):
        export_notebook(lab)
    assert path.read_text() == edited

    export_notebook(lab, overwrite_edits=True)
    assert "my own notes" not in path.read_text()


def test_helper_cell_embeds_tricky_code_exactly_and_runs_without_ipython(make_lab):
    tricky = 'import pandas as pd\n"""doc with \'quotes\' and \\\\ backslash"""\ndf = pd.DataFrame({"s": ["é\\t\\"x\\""]})\n'
    lab = make_lab([raw_stage(tricky, 'desc "quoted" \\ end"')])
    namespace: dict = {"__name__": "agilab_helper"}

    exec(compile(helper_source(lab, read_stages(lab)), "helper", "exec"), namespace)  # plain Python, no IPython
    result = namespace["run_agilab_stage"](0)

    assert namespace["AGILAB_NOTEBOOK_EXPORT"]["stages"][0]["code"] == tricky
    assert namespace["AGILAB_NOTEBOOK_EXPORT"]["stages"][0]["description"] == 'desc "quoted" \\ end"'
    assert result.returncode == 0, result.stderr
    assert pd.read_csv(lab.dataframe_file)["s"].tolist() == ['é\t"x"']
