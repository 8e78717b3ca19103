"""``agilab-tui runs ...`` and ``run --set``, each with --json, on the real engine."""

from __future__ import annotations

import json

import pytest
from records_helpers import FLIGHT

from engine.cli import main as cli
from engine.facade import Engine

pytestmark = pytest.mark.slow


def _json(capsys, argv: list[str]) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli(argv)
    return code, json.loads(capsys.readouterr().out)


def test_run_set_overrides_one_run_without_touching_the_settings(engine: Engine, capsys):
    settings_file = engine.workspace.settings_file(engine.app(FLIGHT))
    engine.settings(FLIGHT)  # seeded
    before = settings_file.read_bytes()
    code, out = _json(capsys, ["run", "flight_telemetry", "--mode", "0", "--set", "nfile=2",
                               "--set", "output_format=csv", "--json"])
    assert code == 0 and out["ok"], out
    rec = engine.run_record(out["result"]["run_id"])["record"]
    assert rec["args"]["nfile"] == 2 and rec["args"]["output_format"] == "csv"
    assert rec["extra"]["overrides"] == {"nfile": 2, "output_format": "csv"}
    assert all(o["rows"] == 1200 for o in rec["outputs"] if o["name"].endswith(".csv"))
    assert settings_file.read_bytes() == before

    count = len(engine.runs(FLIGHT))
    for bad, expected in (("nfile=-1", "nfile"), ("bogus=1", "bogus"), ("output_format=xls", "output_format")):
        code, out = _json(capsys, ["run", "flight_telemetry", "--mode", "0", "--set", bad, "--json"])
        assert code == 1 and not out["ok"] and expected in out["error"], out
    assert len(engine.runs(FLIGHT)) == count  # refused before anything ran
    assert cli(["run", "flight_telemetry", "--set", "novalue"]) == 1
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_runs_list_show_compare_rerun_pin(engine: Engine, capsys):
    assert cli(["run", "flight_telemetry", "--mode", "0", "--json"]) == 0
    assert cli(["run", "flight_telemetry", "--mode", "0", "--set", "nfile=4", "--json"]) == 0
    code, rows = _json(capsys, ["runs", "list", "flight_telemetry", "--json"])
    assert code == 0 and rows[0]["args"]["nfile"] == 4 and rows[0]["changed_args"] == ["nfile"]
    newest, older = rows[0]["run_id"], rows[1]["run_id"]

    code, manifest = _json(capsys, ["runs", "show", newest, "--json"])
    assert code == 0 and manifest["record"]["run_id"] == newest and manifest["kind"] == "agilab.run_manifest"

    code, diff = _json(capsys, ["runs", "compare", older, newest, "--json"])
    assert code == 0 and [a["key"] for a in diff["args"]] == ["nfile"]
    assert next(m for m in diff["metrics"] if m["name"] == "row_count")["pct"] == pytest.approx(-100 / 3, abs=0.01)

    code, out = _json(capsys, ["runs", "rerun", newest, "--json"])
    assert code == 0 and out["identical"] is True and out["differences"] == [] and out["new_run_id"]

    code, out = _json(capsys, ["runs", "pin", older, "--json"])
    assert code == 0 and out == {"run_id": older, "pinned": True}
    assert next(r for r in engine.runs(FLIGHT) if r.run_id == older).pinned
    code, out = _json(capsys, ["runs", "pin", older, "--unpin", "--json"])
    assert out["pinned"] is False

    capsys.readouterr()
    assert cli(["runs", "list", "flight_telemetry"]) == 0
    text = capsys.readouterr().out
    assert newest in text and "nfile" in text
    assert cli(["runs", "compare", older, newest]) == 0
    assert "nfile: 0 -> 4" in capsys.readouterr().out
    assert cli(["runs", "show", "20000101T000000-abcdef"]) == 1
    assert "no run record 20000101T000000-abcdef" in capsys.readouterr().err
