"""Defect 11: API keys, tokens, secrets and passwords never reach child processes (real children, real env)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from rel_helpers import cli

from engine.cluster_local import LocalDaskCluster
from engine.dag.model import CONTROLLED_RUNNER_STATUS, PLAN_SCHEMA
from engine.events import OperationFinished
from engine.operation import Operation
from engine.proc import clean_child_env

SECRETS = {"OPENAI_API_KEY": "sk-test-openai", "AZURE_OPENAI_API_KEY": "az-key", "MY_SERVICE_API_KEY": "k1",
           "GITHUB_TOKEN": "ghp_x", "AWS_SESSION_TOKEN": "tok", "AWS_SECRET_ACCESS_KEY": "sec",
           "DB_PASSWORD": "pw", "OPENAI_ORG_ID": "org-1"}
HARMLESS = {"AGILAB_PROBE_PLAIN": "visible"}
PROBE = ("import json, os; print('ENV=' + json.dumps(sorted(k for k in os.environ if k in "
         f"{sorted([*SECRETS, *HARMLESS])!r})))")


def _leaked(names: list[str]) -> list[str]:
    return [name for name in names if name in SECRETS]


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in {**SECRETS, **HARMLESS}.items():
        monkeypatch.setenv(name, value)
    return {**SECRETS, **HARMLESS}


def test_clean_child_env_drops_every_secret_but_keeps_the_rest(secret_env: dict[str, str]):
    env = clean_child_env()
    assert not _leaked(list(env))
    assert env["AGILAB_PROBE_PLAIN"] == "visible" and "PATH" in env
    # What a caller hands a child on purpose is kept.
    assert clean_child_env({"AGILAB_RUN_TOKEN": "t"})["AGILAB_RUN_TOKEN"] == "t"
    # Package installers keep their index credentials (private indexes), nothing else secret.
    tool = clean_child_env(keep=("UV_*", "PIP_*"))
    assert not _leaked(list(tool))


def test_a_stage_subprocess_sees_no_secret(isolated_home: Path, tmp_path: Path, secret_env: dict[str, str]):
    lab = tmp_path / "probe_lab" / "lab_stages.toml"
    lab.parent.mkdir()
    lab.write_text('[__meta__]\nschema = "agilab.lab_stages.v1"\nversion = 1\n\n'
                   f'[[probe]]\nD = "env"\nQ = "env"\nC = {json.dumps(PROBE)}\n')
    out = cli(isolated_home, "stages", "run", str(lab), "--stage", "0", env=secret_env)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(line for line in out.stdout.splitlines() if line.startswith("ENV="))
    seen = json.loads(line[4:])
    assert "AGILAB_PROBE_PLAIN" in seen, "the probe must see ordinary variables"
    assert not _leaked(seen), f"leaked into the stage: {_leaked(seen)}"


def test_a_dag_command_step_sees_no_secret(isolated_home: Path, tmp_path: Path, secret_env: dict[str, str]):
    folder = isolated_home / "projects" / "dag_owner_project" / "dag_templates"
    (folder.parent / "src").mkdir(parents=True)
    folder.mkdir()
    names = sorted([*SECRETS, *HARMLESS])
    code = (f"import json, os, pathlib; p = pathlib.Path('probe/env.json'); p.parent.mkdir(exist_ok=True); "
            f"p.write_text(json.dumps(sorted(k for k in os.environ if k in {names!r})))")
    plan = {"schema": PLAN_SCHEMA, "dag_id": "probe", "execution": {"runner_status": CONTROLLED_RUNNER_STATUS},
            "nodes": [{"id": "p", "app": "minimal_app_project", "execution": {"command": ["python", "-c", code]},
                       "produces": [{"id": "env", "kind": "file", "path": "probe/env.json"}]}]}
    (folder / "probe.json").write_text(json.dumps(plan))
    out = cli(isolated_home, "dag", "run-ready", str(folder / "probe.json"), "--state", str(tmp_path / "s.json"),
              env=secret_env)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads((isolated_home / "data" / "probe" / "env.json").read_text())
    assert "AGILAB_PROBE_PLAIN" in seen
    assert not _leaked(seen), f"leaked into the step: {_leaked(seen)}"


async def _environ_of(pid: int, argv: list[str]) -> list[str]:
    """The variable names of ``pid`` once it runs ``argv`` itself, not the ``setpriv`` that starts it.

    While setpriv execs the program, the kernel shows an empty environ (the new memory map has no
    environment yet), so reading it right after the start races the exec.
    """
    proc = Path(f"/proc/{pid}")
    for _ in range(200):
        running = proc.joinpath("cmdline").read_bytes().split(b"\0")
        raw = proc.joinpath("environ").read_bytes()
        if running[0] == argv[0].encode() and raw:
            return [item.split(b"=", 1)[0].decode() for item in raw.split(b"\0") if item]
        await asyncio.sleep(0.05)
    raise AssertionError(f"pid {pid} was not running {argv[0]} with an environment after 10 s: {running}")


@pytest.mark.slow
async def test_dask_scheduler_and_workers_see_no_secret(tmp_path: Path, secret_env: dict[str, str]):
    seen: dict[str, list[str]] = {}

    async def body(ctx) -> dict:
        cluster = LocalDaskCluster(Path(sys.executable), {"127.0.0.1": 2}, tmp_path / "dask", ctx)
        try:
            await cluster.start()
            for child in cluster.processes:
                seen[f"{child.argv[2]} pid {child.pid}"] = await _environ_of(child.pid, child.argv)
        finally:
            await cluster.stop()
        return {}

    op = Operation("probe", "probe", body)
    async with op:
        events = [event async for event in op.events()]
    assert isinstance(events[-1], OperationFinished), events[-1]
    assert len(seen) >= 2 and all("AGILAB_PROBE_PLAIN" in names for names in seen.values())
    leaks = {who: _leaked(names) for who, names in seen.items() if _leaked(names)}
    assert not leaks, f"leaked: {leaks}"


def test_manager_and_runner_envs_come_from_clean_child_env():
    """The manager subprocess, the app runner and installers build their env only through clean_child_env."""
    from engine import install, manager_client, run  # noqa: F401 - imported for their sources

    for module in (manager_client, run):
        source = Path(module.__file__).read_text()
        assert "os.environ.items()" not in source and "env=dict(os.environ" not in source
    assert not _leaked(list(manager_client._child_env()))
