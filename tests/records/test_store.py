"""Record store: retention, pins, listing from the index, fingerprints, and records turned off."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomlkit

from engine.errors import SettingsError
from engine.records import RecordWriter, keep_setting, list_runs, load_manifest, prune
from engine.records.fingerprint import SAMPLE, file_fingerprint, sources_fingerprint, table_rows
from engine.records.ids import is_run_id, new_run_id
from engine.records.store import INDEX, set_pinned


def _record(log_dir: Path, *, status: str = "completed", args: dict | None = None, keep: int = 50,
            kind: str = "run") -> RecordWriter:
    async def go() -> RecordWriter:
        writer = RecordWriter(log_dir, app="demo_project", target="demo", kind=kind, keep=keep)
        await writer.start()
        writer.note(args=args or {}, mode=0, token="____")
        writer.log("stdout", "hello")
        await writer.finish(status, error=None if status == "completed" else f"it {status}",
                            reduce={"payload": {"rows": 3, "name": "x", "ok": True}})
        return writer

    return asyncio.run(go())


def test_retention_prunes_the_oldest_unpinned_records(tmp_path: Path):
    log_dir = tmp_path / "log"
    first, second, third = (_record(log_dir, args={"i": i}) for i in range(3))
    set_pinned(first.dir, True)
    for i in range(3, 6):
        _record(log_dir, args={"i": i}, keep=2)
    runs = list_runs(log_dir / "runs")
    # the two newest unpinned records are kept, and the pinned one whatever its age
    assert [r.args["i"] for r in runs] == [5, 4, 0]
    assert runs[-1].pinned and not second.dir.exists() and not third.dir.exists()
    assert prune(log_dir / "runs", 1) == [runs[1].run_id]
    index_ids = {json.loads(line)["run_id"] for line in (log_dir / "runs" / INDEX).read_text().splitlines()}
    assert index_ids == {r.run_id for r in list_runs(log_dir / "runs")}  # compacted after pruning


def test_keep_setting_comes_from_app_settings_and_is_validated(tmp_path: Path):
    assert keep_setting(tomlkit.parse("[args]\n")) == 50
    assert keep_setting(tomlkit.parse("[records]\nkeep = 7\n")) == 7
    with pytest.raises(SettingsError, match="key 'records.keep'.*integer >= 1"):
        keep_setting(tomlkit.parse("[records]\nkeep = 0\n"), tmp_path / "app_settings.toml")
    with pytest.raises(SettingsError, match="records.keep"):
        keep_setting(tomlkit.parse('[records]\nkeep = "many"\n'))


def test_listing_summaries_status_metrics_and_changed_args(tmp_path: Path):
    log_dir = tmp_path / "log"
    _record(log_dir, args={"a": 1, "b": 2})
    _record(log_dir, args={"a": 1, "b": 3}, status="failed")
    _record(log_dir, args={"a": 9, "b": 3}, kind="rerun")
    _record(log_dir, args={"a": 1, "b": 3}, status="cancelled")
    runs = list_runs(log_dir / "runs")
    assert [r.status for r in runs] == ["cancelled", "completed", "failed", "completed"]
    assert runs[0].changed_args == [] and runs[2].changed_args == ["b"] and runs[1].changed_args == []
    assert runs[0].metrics == {"rows": 3.0, "seconds": runs[0].metrics["seconds"]}  # booleans and text left out
    assert runs[0].error == "it cancelled" and is_run_id(runs[0].run_id)
    manifest = load_manifest(runs[0].record_dir)
    assert manifest["status"] == "fail" and manifest["record"]["status"] == "cancelled"
    assert manifest["record"]["tracking"] == {"status": "off", "reason": "no tracking store"}


def test_listing_survives_a_lost_index_and_reports_interrupted_runs(tmp_path: Path):
    log_dir = tmp_path / "log"
    done = _record(log_dir)
    crashed = RecordWriter(log_dir, app="demo_project", target="demo")
    asyncio.run(crashed.start())  # never finished: as if its process had been SIGKILLed
    manifest = load_manifest(crashed.dir)
    manifest["record"]["owner_pid"] = 2 ** 22 + 12345  # no such process
    (crashed.dir / "run_manifest.json").write_text(json.dumps(manifest))
    (log_dir / "runs" / INDEX).unlink()
    runs = {r.run_id: r for r in list_runs(log_dir / "runs")}
    assert runs[done.run_id].status == "completed"
    assert runs[crashed.run_id].status == "interrupted" and "died" in runs[crashed.run_id].error


def test_run_ids_sort_by_time_and_do_not_collide():
    ids = {new_run_id() for _ in range(2000)}
    assert len(ids) == 2000 and all(is_run_id(i) for i in ids)
    # 20,000 in one and the same second: by chance alone, three random bytes would repeat about 12 times.
    second = datetime(2026, 12, 2, 6, 0, 0, tzinfo=UTC)
    same_second = [new_run_id(second) for _ in range(20_000)]
    assert len(set(same_second)) == 20_000
    assert all(i.startswith("20261202T060000-") for i in same_second)


def test_a_record_whose_id_another_process_took_draws_a_new_one(tmp_path: Path):
    writer = RecordWriter(tmp_path / "log", app="demo_project", target="demo")
    taken = writer.run_id
    (writer.runs_dir / taken).mkdir(parents=True)  # as if another process had started that run
    asyncio.run(writer.start())
    assert writer.run_id != taken and is_run_id(writer.run_id)
    assert writer.dir == writer.runs_dir / writer.run_id
    assert load_manifest(writer.dir)["run_id"] == writer.run_id
    assert not any((writer.runs_dir / taken).iterdir())  # the other run's folder is left as it was


def test_large_inputs_are_fingerprinted_from_samples(tmp_path: Path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as handle:
        handle.write(os.urandom(SAMPLE) * 6)  # 6 MiB
    before = file_fingerprint(big)
    stamp = os.stat(big).st_mtime_ns
    assert before["fingerprint"].startswith("b2s:") and before["size"] == 6 * SAMPLE
    with open(big, "r+b") as handle:  # one byte in the middle sample changes
        handle.seek(3 * SAMPLE)
        byte = handle.read(1)
        handle.seek(3 * SAMPLE)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(big, ns=(stamp, stamp))  # same size and mtime: only the sampled content tells
    assert file_fingerprint(big)["fingerprint"] != before["fingerprint"]
    small = tmp_path / "small.csv"
    small.write_text("a,b\n1,2\n3,4")
    assert file_fingerprint(small)["fingerprint"].startswith("b2:")
    assert table_rows(small) == 2
    assert file_fingerprint(tmp_path / "missing")["fingerprint"] is None


def test_sources_fingerprint_names_files_and_ignores_caches(tmp_path: Path):
    (tmp_path / "w" / "__pycache__").mkdir(parents=True)
    (tmp_path / "w" / "a.py").write_text("x = 1\n")
    (tmp_path / "w" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"junk")
    first = sources_fingerprint({"worker": tmp_path / "w"})
    assert list(first["files"]) == ["worker/a.py"]
    (tmp_path / "w" / "a.py").write_text("x = 2\n")
    assert sources_fingerprint({"worker": tmp_path / "w"})["digest"] != first["digest"]


def test_records_off_still_write_the_latest_mirrors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AGILAB_TUI_RECORDS", "0")
    log_dir = tmp_path / "log"
    writer = _record(log_dir)
    assert not (log_dir / "runs").exists()
    assert (log_dir / "run.log").read_text() == "hello\n"
    assert json.loads((log_dir / "run_manifest.json").read_text())["run_id"] == writer.run_id


def test_a_record_left_pending_by_a_dead_process_is_tracked_by_the_next_run(tmp_path: Path):
    from mlflow.tracking import MlflowClient

    from engine.records import wait_pending
    from engine.records.store import update_manifest

    log_dir = tmp_path / "log"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    async def one() -> RecordWriter:
        writer = RecordWriter(log_dir, app="demo_project", target="demo", tracking_uri=uri, artifact_root=tmp_path)
        await writer.start()
        writer.note(args={"x": 1}, mode=0)
        await writer.finish("completed")
        return writer

    orphan = asyncio.run(one())
    assert wait_pending(120)

    def forget(manifest: dict) -> None:  # as if the CLI had been killed before logging it
        manifest["record"]["tracking"] = {"status": "pending", "uri": uri, "artifact_root": str(tmp_path)}
        manifest["record"]["owner_pid"] = 2 ** 22 + 4321

    update_manifest(orphan.dir, forget)
    later = asyncio.run(one())
    assert wait_pending(120)
    client = MlflowClient(uri)
    for writer in (orphan, later):
        tracking = load_manifest(writer.dir)["record"]["tracking"]
        assert tracking["status"] == "ok", tracking
        assert client.get_run(tracking["mlflow_run_id"]).data.tags["agilab.run_record_id"] == writer.run_id


def test_parquet_rows_come_from_the_footer_as_pyarrow_reads_them(tmp_path: Path):
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    for rows, extra in ((0, {}), (1, {}), (1200, {}), (50_000, {"row_group_size": 7000})):
        frame = pd.DataFrame({"a": np.arange(rows), "s": [f"x{i}" for i in range(rows)], "f": np.random.rand(rows),
                              "b": np.arange(rows) % 2 == 0, "t": pd.to_datetime(np.arange(rows), unit="s")})
        path = tmp_path / f"t{rows}.parquet"
        frame.to_parquet(path, index=False, **extra)
        assert table_rows(path) == pq.read_metadata(path).num_rows == rows
    cut = tmp_path / "cut.parquet"
    cut.write_bytes((tmp_path / "t1200.parquet").read_bytes()[:-20])
    assert table_rows(cut) is None
