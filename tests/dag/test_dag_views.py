"""Readiness as pure functions, the text graph and the history table."""

from __future__ import annotations

from engine.dag import check_plan, compute_readiness, downstream_of, execution_history, layers, render_graph
from engine.dag.views import handoff_rows

from .conftest import APPS, node, plan


def _diamond() -> dict:
    return plan([
        node("seed", APPS[2], ["true"], [("s", "d/s")]),
        node("left", APPS[0], ["true"], [("l", "d/l")], [("s", "d/s")]),
        node("right", APPS[1], ["true"], [("r", "d/r")], [("s", "d/s")]),
        node("join", APPS[2], ["true"], [("j", "d/j")], [("l", "d/l"), ("r", "d/r")]),
    ])


def test_readiness_follows_the_facts() -> None:
    check = check_plan(_diamond(), APPS)
    ready = compute_readiness(check)
    assert ready.runnable_ids == ["seed"] and ready.blocked_ids == ["left", "right", "join"]
    ready = compute_readiness(check, {"seed": "completed", "left": "running"}, {"seed": 1.5})
    assert [ready.steps[s].status for s in ("seed", "left", "right", "join")] == [
        "completed", "running", "runnable", "blocked"]
    assert ready.steps["seed"].last_duration_s == 1.5
    assert ready.steps["join"].blocked_by_artifacts == ["l", "r"]
    assert ready.steps["join"].entrypoint == "true"
    assert ready.metrics.to_dict() == {"steps": 4, "ready": 1, "waiting": 1, "running": 1, "completed": 1,
                                       "failed": 0}
    ready = compute_readiness(check, {"seed": "completed", "left": "failed", "right": "completed"})
    assert ready.steps["join"].status == "blocked" and ready.steps["join"].blocked_by_artifacts == ["l"]
    assert ready.metrics.failed == 1


def test_downstream_of_a_step() -> None:
    check = check_plan(_diamond(), APPS)
    assert downstream_of(check, "left") == ["left", "join"]
    assert downstream_of(check, "seed") == ["seed", "left", "right", "join"]


def test_graph_is_layered_text_with_box_drawing() -> None:
    check = check_plan(_diamond(), APPS)
    assert layers(check) == [["seed"], ["left", "right"], ["join"]]
    lines = render_graph(check, compute_readiness(check, {"seed": "completed"}))
    assert lines[0] == "Layer 1"
    assert lines[1].startswith("└─ seed") and lines[1].endswith("✔ completed")
    assert lines[3].startswith("├─ left") and lines[3].endswith("▶ runnable")
    assert "◀── seed (s)" in lines[4]
    join = lines.index(next(line for line in lines if line.startswith("└─ join")))
    assert lines[join + 1:join + 3] == ["     ◀── left (l)", "     ◀── right (r)"]
    assert all("\x1b" not in line for line in lines)
    short = render_graph(check, max_lines=4)
    assert len(short) == 4 and short[-1].startswith("…")


def test_history_marks_previews_apart_from_real_runs() -> None:
    state = {"events": [
        {"timestamp": "t1", "kind": "run_planned", "unit_id": "", "to_status": "planned", "detail": ""},
        {"timestamp": "t2", "kind": "preview_dispatch", "unit_id": "seed", "to_status": "completed", "detail": ""},
        {"timestamp": "t3", "kind": "unit_started", "unit_id": "left", "to_status": "running", "detail": ""},
        {"timestamp": "t4", "kind": "unit_failed", "unit_id": "left", "to_status": "failed", "detail": "exit 1"},
    ]}
    assert [(h.kind, h.unit_id) for h in execution_history(state)] == [
        ("operator", ""), ("preview", "seed"), ("real", "left"), ("real", "left")]


def test_handoff_rows_show_artifact_status() -> None:
    check = check_plan(_diamond(), APPS)
    rows = handoff_rows(check, {"artifacts": [{"id": "s", "status": "available"}]})
    assert {(r["from"], r["to"], r["artifact"], r["status"]) for r in rows} == {
        ("seed", "left", "s", "available"), ("seed", "right", "s", "available"),
        ("left", "join", "l", "pending"), ("right", "join", "r", "pending")}
    assert all(r["cross_app"] for r in rows)
