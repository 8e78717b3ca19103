"""Stage execution in real subprocesses: df hand-off, failures, cancellation, interpreters."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import psutil
import pytest

from engine.atomic import content_digest
from engine.events import LogLines, OperationFailed, OperationFinished, Progress
from engine.stages_run import Lab, latest_dataframe, run_pipeline, run_stage

from .conftest import APP
from .helpers import drain, log_lines, raw_stage

MAKE_DF = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})\nprint('made', len(df))\n"


async def test_stage_df_reaches_next_stage_through_lab_out_csv(workspace, make_lab):
    lab = make_lab([
        raw_stage(MAKE_DF, "make"),
        raw_stage("df['b'] = df['a'] * 10\nprint('columns', list(df.columns))\n", "extend"),
    ])
    assert latest_dataframe(workspace, APP) is None  # the preview says "nothing has run yet"

    events, terminal = await drain(run_pipeline(workspace, lab, track=False))

    assert isinstance(terminal, OperationFinished), terminal
    assert "columns ['a', 'b']" in log_lines(events, "stdout")
    produced = latest_dataframe(workspace, APP)
    assert produced == lab.export_dir / "lab_out.csv"
    assert pd.read_csv(produced).to_dict("list") == {"a": [1, 2, 3], "b": [10, 20, 30]}
    assert (lab.export_dir / "lab_snippet.py").read_text() == "df['b'] = df['a'] * 10\nprint('columns', list(df.columns))\n"
    assert [s["status"] for s in terminal.result["stages"]] == ["completed", "completed"]
    assert [e.done for e in events if isinstance(e, Progress)] == [0, 1, 2]


async def test_single_stage_run_streams_both_streams_and_keeps_df(workspace, make_lab):
    lab = make_lab([raw_stage(MAKE_DF), raw_stage("import sys\nprint('to err', file=sys.stderr)\nprint('to out')\n")])
    await drain(run_stage(workspace, lab, 0))
    before = content_digest(lab.dataframe_file)

    events, terminal = await drain(run_stage(workspace, lab, 1))

    assert isinstance(terminal, OperationFinished), terminal
    assert "to out" in log_lines(events, "stdout")
    assert "to err" in log_lines(events, "stderr")
    # df was loaded and written back unchanged, so the preview still shows the same rows.
    assert pd.read_csv(lab.dataframe_file).to_dict("list") == {"a": [1, 2, 3]}
    assert before is not None


async def test_crashing_stage_fails_clearly_and_keeps_previous_dataframe(workspace, make_lab):
    crash = "df['c'] = 1\nvalue = 1 / 0\n"
    lab = make_lab([raw_stage(MAKE_DF), raw_stage(crash, "boom"), raw_stage("print('never')\n")])
    await drain(run_stage(workspace, lab, 0))
    kept = content_digest(lab.dataframe_file)

    events, terminal = await drain(run_pipeline(workspace, lab, [1, 2], track=False))

    assert isinstance(terminal, OperationFailed)
    assert terminal.error.endswith("ZeroDivisionError: division by zero")
    assert "stage 1 failed" in terminal.error and "lab_stages.toml" in terminal.error
    stderr = log_lines(events, "stderr")
    assert stderr[0] == "Traceback (most recent call last):"
    assert any("lab_snippet.py" in line and "line 2" in line for line in stderr)
    assert "never" not in log_lines(events)
    assert content_digest(lab.dataframe_file) == kept
    assert (lab.export_dir / "lab_snippet.py").read_text() == crash
    assert terminal.result["failed_stage"] == 1
    assert [s["status"] for s in terminal.result["stages"]] == ["failed"]


async def test_hanging_stage_is_cancelled_with_its_children(workspace, make_lab):
    hang = textwrap.dedent("""\
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        print("pids", os.getpid(), child.pid, flush=True)
        time.sleep(600)
    """)
    lab = make_lab([raw_stage(hang, "hang")])
    op = run_pipeline(workspace, lab, track=False)
    pids: list[int] = []
    terminal = None
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines):
                for line in event.lines:
                    if line.startswith("pids "):
                        pids = [int(p) for p in line.split()[1:]]
                        _, concurrent = await drain(run_stage(workspace, lab, 0))
                        await op.cancel()
            if isinstance(event, (OperationFinished, OperationFailed)):
                terminal = event

    assert isinstance(terminal, OperationFailed) and terminal.cancelled
    assert isinstance(concurrent, OperationFailed) and "already running" in concurrent.error
    assert len(pids) == 2
    # The stage process was reaped by us; its child may linger only as a zombie of init.
    _, alive = psutil.wait_procs([p for p in map(_process, pids) if p], timeout=10)
    assert [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    assert not (lab.export_dir / "lab_out.csv").exists()


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


async def test_missing_interpreter_names_the_path(workspace, make_lab, tmp_path):
    missing = tmp_path / "no_such_venv"
    lab = make_lab([raw_stage("print('x')\n", E=str(missing))])

    _, terminal = await drain(run_stage(workspace, lab, 0))

    assert isinstance(terminal, OperationFailed)
    assert str(missing) in terminal.error and "does not exist" in terminal.error


async def test_unknown_stage_index_is_a_clear_failure(workspace, make_lab):
    lab = make_lab([raw_stage("print('x')\n")])
    _, terminal = await drain(run_stage(workspace, lab, 3))
    assert isinstance(terminal, OperationFailed)
    assert "no stage 3" in terminal.error and str(lab.stages_file) in terminal.error


@pytest.mark.slow
async def test_stage_runs_with_the_venv_recorded_in_E(workspace, make_lab, tmp_path):
    project = tmp_path / "other_project"
    venv = project / ".venv"
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                            check=True)
    show = "import sys\nprint('exe', sys.executable)\ndf['who'] = 'venv'\n"
    lab: Lab = make_lab([
        raw_stage(MAKE_DF),
        raw_stage(show, "venv dir", E=str(venv)),
        raw_stage(show, "project dir", E=str(project)),
    ])

    events, terminal = await drain(run_pipeline(workspace, lab, track=False))

    assert isinstance(terminal, OperationFinished), terminal
    exe_lines = [line for line in log_lines(events, "stdout") if line.startswith("exe ")]
    assert exe_lines == [f"exe {venv / 'bin' / 'python'}"] * 2
    assert [s["python"] for s in terminal.result["stages"]] == [sys.executable] + [str(venv / "bin" / "python")] * 2
    assert set(pd.read_csv(lab.dataframe_file)["who"]) == {"venv"}


async def test_pipeline_stops_before_a_stage_whose_venv_is_broken(workspace, make_lab, tmp_path):
    broken = tmp_path / "empty_env"
    broken.mkdir()
    lab = make_lab([raw_stage(MAKE_DF), raw_stage("print('x')\n", E=str(broken)), raw_stage("print('after')\n")])

    events, terminal = await drain(run_pipeline(workspace, lab, track=False))

    assert isinstance(terminal, OperationFailed)
    assert f"{broken} has no python interpreter" in terminal.error
    assert "after" not in log_lines(events)
    assert Path(lab.dataframe_file).exists()


@pytest.mark.slow
async def test_runner_needs_nothing_but_the_stdlib_in_a_foreign_venv(workspace, make_lab, tmp_path):
    bare = tmp_path / "bare_venv"
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    probe = ("import sys\nfrom workers.tracking import tracker\n"
             "print('exe', sys.executable, tracker.backend, 'df' in globals())\n")
    lab = make_lab([raw_stage(MAKE_DF), raw_stage(probe, E=str(bare))])
    await drain(run_stage(workspace, lab, 0))
    kept = content_digest(lab.dataframe_file)

    events, terminal = await drain(run_stage(workspace, lab, 1))

    assert isinstance(terminal, OperationFinished), terminal
    assert f"exe {bare / 'bin' / 'python'} none False" in log_lines(events, "stdout")
    assert any("pandas is not installed" in line for line in log_lines(events, "stderr"))
    assert content_digest(lab.dataframe_file) == kept


async def test_app_seed_lab_is_read_until_the_workspace_copy_exists(workspace, make_lab):
    from engine.stages_run import append_stages, read_stages

    seeded = Lab.for_app(workspace, APP)
    assert seeded.seed_file is not None
    seed_text = "[[demo]]\nD = 'from the app'\nC = \"print('seeded')\"\n"
    seeded.seed_file.write_text(seed_text)

    events, terminal = await drain(run_stage(workspace, seeded, 0))
    assert isinstance(terminal, OperationFinished) and "seeded" in log_lines(events, "stdout")
    assert not seeded.stages_file.exists()

    assert append_stages(seeded, [raw_stage("print('mine')\n", "added")]) == 2
    assert [s["D"] for s in read_stages(seeded)] == ["from the app", "added"]
    assert seeded.seed_file.read_text() == seed_text  # the app's own file is never edited
