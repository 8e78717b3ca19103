"""engine.analysis and engine.mlflow_runs on real files and a real MLflow store."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from analysis_helpers import APP, make_runs, write_outputs

from engine.analysis import (
    AnalysisError,
    FrameSource,
    app_tables,
    benchmark_series,
    column_stats,
    compare_evidence,
    evidence_files,
    filter_frame,
    load_frame,
    plot_series,
    read_json,
    sort_frame,
    summarize_evidence,
)
from engine.mlflow_runs import MlflowServer, compare_runs, list_runs, run_detail
from engine.table_source import open_table
from engine.workspace import Workspace


def test_tables_and_evidence_are_found(workspace: Workspace) -> None:
    write_outputs(workspace)
    app = workspace.app(APP)
    assert [t.label for t in app_tables(workspace, app)] == ["out/A_output.csv", "out/B_output.parquet",
                                                             "export/export.csv"]
    labels = [e.label for e in evidence_files(workspace, app)]
    assert labels == ["out/reduce_summary_worker_0.json", "out/reduce_summary_worker_1.json",
                      "log/benchmark.json", "log/run_manifest.json"]


def test_filter_sort_and_stats(workspace: Workspace) -> None:
    paths = write_outputs(workspace)
    for key in ("csv", "parquet"):
        frame = load_frame(open_table(paths[key]))
        fast = filter_frame(frame, "speed > 100 and aircraft == 'A1'", paths[key])
        assert len(fast) > 0 and (fast["speed"] > 100).all() and set(fast["aircraft"]) == {"A1"}
        ordered = sort_frame(fast, "speed", True, paths[key])
        assert list(ordered["speed"]) == sorted(fast["speed"], reverse=True)
        source = FrameSource(paths[key], ordered)
        assert source.read_rows(0, 1)[0][1] == ordered["speed"].iloc[0] and source.row_count == len(ordered)
    stats = dict(column_stats(frame, "speed"))
    assert stats["rows"] == "60" and stats["min"] == "0" and stats["max"] == "147.5"
    assert dict(column_stats(frame, "aircraft"))["distinct"] == "3"


@pytest.mark.parametrize(("expression", "message"), [
    ("velocity > 3", r"no column .velocity. \(columns: aircraft, speed, alt\)"),
    ("speed >", "invalid expression"),
    ("speed", "must be a condition"),
])
def test_bad_filters_are_explained(workspace: Workspace, expression: str, message: str) -> None:
    paths = write_outputs(workspace)
    with pytest.raises(AnalysisError, match=message) as error:
        filter_frame(load_frame(open_table(paths["csv"])), expression, paths["csv"])
    assert "A_output.csv" in str(error.value)


def test_plot_series(workspace: Workspace) -> None:
    paths = write_outputs(workspace)
    frame = load_frame(open_table(paths["csv"]))
    hist = plot_series(frame, "histogram", "speed", None, paths["csv"])
    assert sum(hist.y) == 60
    bars = plot_series(frame, "bar", "aircraft", "speed", paths["csv"])
    assert sorted(bars.x) == ["A0", "A1", "A2"] and sum(bars.y) == frame["speed"].sum()
    line = plot_series(frame, "line", "alt", "speed", paths["csv"])
    assert len(line.x) == 60 and line.y[:2] == [0.0, 2.5]
    with pytest.raises(AnalysisError, match="'aircraft' is .*not numeric"):
        plot_series(frame, "scatter", "aircraft", "speed", paths["csv"])
    with pytest.raises(AnalysisError, match="needs a y column"):
        plot_series(frame, "line", "speed", None, paths["csv"])


def test_benchmark_and_evidence_summaries(workspace: Workspace) -> None:
    write_outputs(workspace)
    app = workspace.app(APP)
    series = benchmark_series(read_json(workspace.log_dir(app) / "benchmark.json"))
    assert series.y == [1.0, 2.0] and series.x[0].startswith("1")
    files = {e.label: e.path for e in evidence_files(workspace, app)}
    manifest = dict(summarize_evidence(read_json(files["log/run_manifest.json"])))
    assert manifest["status"] == "pass" and manifest["check reduce"] == "pass: ok"
    reduce = dict(summarize_evidence(read_json(files["out/reduce_summary_worker_0.json"])))
    assert reduce["payload row_count"] == "100" and reduce["reducer"] == "flight.v1"
    deltas = {d.key: d for d in compare_evidence(read_json(files["out/reduce_summary_worker_0.json"]),
                                                 read_json(files["out/reduce_summary_worker_1.json"]))}
    assert deltas["payload.row_count"].change == "+20 (+20.0%)" and deltas["reducer"].change == "same"
    manifest_data = read_json(files["log/run_manifest.json"])
    candidate = {**manifest_data, "status": "fail", "timing": {"duration_seconds": 3.0}}
    manifest_deltas = {d.key: d.change for d in compare_evidence(manifest_data, candidate)}
    assert manifest_deltas["status"] == "changed" and manifest_deltas["timing.duration_seconds"] == "+1.5 (+100.0%)"
    assert manifest_deltas["artifacts.A_output.csv.size_bytes"] == "same"
    broken = workspace.log_dir(app) / "broken.json"
    broken.write_text("{oops", "utf-8")
    with pytest.raises(AnalysisError, match=r"broken\.json: not valid JSON \(line 1"):
        read_json(broken)


def test_runs_nested_details_and_comparison(workspace: Workspace) -> None:
    assert list_runs(workspace) == []
    ids = make_runs(workspace)
    rows = list_runs(workspace)
    assert [(r.name, r.depth) for r in rows] == [("pipeline", 0), ("stage_0", 1), ("stage_1", 1)]
    assert rows[1].parent_id == ids["parent"] and rows[2].metrics == {"accuracy": 0.75}
    detail = run_detail(workspace, ids["stage_1"])
    assert detail.artifacts == ["stage_1/stdout.txt"] and detail.tags == {"agilab.stage_index": "1"}
    deltas = {d.key: d.change for d in compare_runs(workspace, ids["stage_0"], ids["stage_1"])}
    assert deltas == {"metrics.accuracy": "+0.25 (+50.0%)", "params.engine": "same"}


@pytest.mark.slow
def test_mlflow_ui_starts_on_loopback_and_stops(workspace: Workspace) -> None:
    import time

    make_runs(workspace)
    server = MlflowServer(workspace)
    url = server.start()
    try:
        assert url.startswith("http://127.0.0.1:")
        body = b""
        for _ in range(240):  # the server needs tens of seconds on a busy 2-core box
            try:
                body = urllib.request.urlopen(f"{url}/health", timeout=2).read()
                break
            except OSError:
                if not server.running:
                    break
                time.sleep(0.5)
        assert body == b"OK", Path(server.log_path).read_text("utf-8")[-2000:]
    finally:
        pid = server.process.pid if server.process else None
        assert server.stop()
    assert not server.running and pid is not None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=2)


def test_a_ragged_csv_is_refused_naming_the_file(workspace: Workspace, tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n", "utf-8")
    with pytest.raises(AnalysisError, match=r"ragged\.csv: cannot load every row"):
        load_frame(open_table(ragged))
