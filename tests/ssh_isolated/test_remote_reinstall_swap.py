"""A remote reinstall builds the host's worker env aside and swaps it in only once it passed the preflight.

One isolated host (bare Debian, its own filesystem, real sshd) and a workspace clone of the template
app, installed once. A reinstall that fails on the host (a dependency the host cannot resolve, while
this machine skips it by marker) must leave the previous env in place and importable, with the
host marked failed in ``install.json``; a successful reinstall replaces the env (a file left in the
old ``.venv`` is gone) and leaves no build or parked folder behind. Both are checked on the host
with plain ``ssh``, not through the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.env_swap import BUILDING, PREVIOUS
from engine.events import OperationFailed, OperationFinished
from engine.facade import Engine
from engine.install import install_status, worker_env
from engine.projects.lifecycle import create_from_template
from engine.remote_env_swap import aside_names, host_tag
from engine.workspace import REPO_ROOT, AppProject, Workspace
from tests.ssh.fakehosts import free_port

from .conftest import drain, log_lines, trust
from .isolated import IsoHost, run_on

pytestmark = [pytest.mark.ssh, pytest.mark.slow]

OLD_ENV_FILE = "left-in-the-old-env"
MISSING = "agilab-tui-no-such-dist-swaptest"


@dataclass
class SwapSetup:
    workspace: Workspace
    app: AppProject
    host: IsoHost
    key: Path
    wenv: str
    first_seconds: float
    events: list = field(default_factory=list)

    def engine(self) -> Engine:
        return Engine(self.workspace)

    @property
    def module(self) -> Path:
        return self.app.worker_dir / f"{self.app.worker_package}.py"

    @property
    def manifest(self) -> Path:
        return self.app.worker_dir / "pyproject.toml"

    def set_mark(self, mark: int) -> None:
        """A new worker source: the module says which install it came from."""
        lines = [ln for ln in self.module.read_text("utf-8").splitlines() if not ln.startswith("REINSTALL_MARK")]
        self.module.write_text("\n".join(lines) + f"\nREINSTALL_MARK = {mark}\n", "utf-8")

    def live_mark(self) -> str:
        """What the host's live env imports: the worker runtime and the app module, and its mark."""
        script = (f"import workers.runner, {self.app.worker_package}.{self.app.worker_package} as m; "
                  "print('mark', getattr(m, 'REINSTALL_MARK', 0))")
        out = run_on(self.host, self.key, f"cd / && {self.wenv}/.venv/bin/python -c {shlex.quote(script)}")
        assert out.returncode == 0, f"the live env on the host does not import: {out.stderr[-2000:]}"
        return out.stdout.split()[-1]

    def listing(self) -> set[str]:
        return set(run_on(self.host, self.key, f"ls -A {self.wenv}").stdout.split())

    def nothing_aside(self) -> bool:
        """No build or parked folder of any host left in the env folder."""
        return not any(name.startswith((BUILDING, PREVIOUS)) for name in self.listing())

    def old_env_file_there(self) -> bool:
        return run_on(self.host, self.key, f"test -e {self.wenv}/.venv/{OLD_ENV_FILE}").returncode == 0

    def install(self):
        started = time.perf_counter()
        self.events, last = asyncio.run(drain(self.engine().install(self.app.name)))
        return last, time.perf_counter() - started

    @contextlib.contextmanager
    def unresolvable_on_host(self) -> Iterator[None]:
        """A worker dependency that this machine skips by its marker and the host must, and cannot, install."""
        here = platform.python_version()
        out = run_on(self.host, self.key, "/usr/bin/python3 -c 'import platform; print(platform.python_version())'")
        if out.stdout.strip() == here:
            pytest.skip(f"the host's Python is {here} like this machine's: the marker cannot tell them apart")
        original = self.manifest.read_text("utf-8")
        missing = f'{MISSING}; python_full_version != "{here}"'
        self.manifest.write_text(original.replace('dependencies = ["pandas>=2.2"]',
                                                  f'dependencies = ["pandas>=2.2", {json.dumps(missing)}]'), "utf-8")
        assert MISSING in self.manifest.read_text("utf-8")
        try:
            yield
        finally:
            self.manifest.write_text(original, "utf-8")

    def assert_failed_on_host(self, last) -> None:
        assert isinstance(last, OperationFailed), "the install passed although the host could not resolve a dependency"
        row = last.result["hosts"][0]
        assert row["status"] == "failed" and row["step"] == "install dependencies", row
        assert MISSING in row["reason"] or "not found" in row["reason"], row
        assert self.host.spec in last.error
        stamp = worker_env(self.workspace, self.app).read_stamp()
        assert stamp["ok"] is False and stamp["hosts"][0]["status"] == "failed", stamp


@pytest.fixture(scope="module")
def swap_setup(tmp_path_factory: pytest.TempPathFactory, iso_hosts, iso_key) -> SwapSetup:
    workspace = Workspace(tmp_path_factory.mktemp("swapws"))
    app = workspace.app(create_from_template(workspace, "swapapp").app)
    host = iso_hosts.start("swap1")
    trust(workspace, [host])
    engine = Engine(workspace)
    settings = engine.settings(app.name)
    settings.update_cluster(cluster_enabled=True, pool=False, cython=False, ssh_key_path=str(iso_key), verbose=1,
                            scheduler=f"127.0.0.1:{free_port('127.0.0.1')}")
    settings.set_workers({host.spec: 1})
    settings.save()
    setup = SwapSetup(workspace, app, host, iso_key, "", 0.0)
    setup.set_mark(1)
    last, seconds = setup.install()
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    row = last.result["hosts"][0]
    assert row["status"] == "ok", row
    setup.wenv, setup.first_seconds = row["wenv"], seconds
    assert setup.live_mark() == "1"
    print(f"\nfirst install of {app.name} on one isolated host: {seconds:.1f} s (host {row['seconds']} s)")
    try:
        yield setup
    finally:
        iso_hosts.stop(host)


def test_successful_reinstall_replaces_the_env_and_leaves_nothing_aside(swap_setup):
    setup = swap_setup
    assert run_on(setup.host, setup.key, f"touch {setup.wenv}/.venv/{OLD_ENV_FILE}").returncode == 0
    setup.set_mark(2)
    last, seconds = setup.install()
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    row = last.result["hosts"][0]
    print(f"\nremote reinstall (one changed file, packages from the host's cache): {seconds:.1f} s "
          f"(host {row['seconds']} s; first install {setup.first_seconds:.1f} s)")
    assert row["status"] == "ok" and row["packages_from"] == "cache", row
    assert row["files_sent"] == 1, row  # only the changed module travelled
    assert setup.live_mark() == "2"
    assert not setup.old_env_file_there(), "the old .venv is still the live one: the env was rebuilt in place"
    assert setup.nothing_aside(), setup.listing()
    assert {".venv", "src"} <= setup.listing()
    stamp = worker_env(setup.workspace, setup.app).read_stamp()
    assert stamp["ok"] is True and stamp["hosts"][0]["status"] == "ok", stamp


def test_reinstall_failing_on_the_host_keeps_the_previous_env(swap_setup):
    setup = swap_setup
    before = setup.live_mark()
    assert run_on(setup.host, setup.key, f"touch {setup.wenv}/.venv/{OLD_ENV_FILE}").returncode == 0
    with setup.unresolvable_on_host():
        setup.set_mark(int(before) + 1)
        try:
            last, seconds = setup.install()
        finally:
            setup.set_mark(int(before))
    print(f"\nremote reinstall failing on the host: {seconds:.1f} s")
    setup.assert_failed_on_host(last)
    # The previous env is the live one, whole: its own venv and its own sources, still importable.
    assert setup.old_env_file_there(), "the previous .venv was replaced by a build that failed"
    assert setup.live_mark() == before, "the failed reinstall's sources reached the live env"
    assert setup.nothing_aside(), setup.listing()
    # Fixed on the host's side (the dependency gone), the next install passes and the stamp is ok again.
    last, _ = setup.install()
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    assert worker_env(setup.workspace, setup.app).read_stamp()["ok"] is True
    assert setup.live_mark() == before


def test_swap_cut_short_on_the_host_is_undone_by_the_next_install(swap_setup):
    """The connection died between parking the live venv and moving the new one in: no live venv at all."""
    setup = swap_setup
    before = setup.live_mark()
    wenv = shlex.quote(setup.wenv)
    build, parked = aside_names(host_tag(setup.host.spec))
    cut = (f"touch {wenv}/.venv/{OLD_ENV_FILE} && cd {wenv} && mkdir {parked} && mv -T .venv {parked}/.venv && "
           f"mkdir -p {build}/.venv {build}/src")
    assert run_on(setup.host, setup.key, cut).returncode == 0
    assert run_on(setup.host, setup.key, f"test -e {wenv}/.venv").returncode != 0
    with setup.unresolvable_on_host():  # and this reinstall fails too: only the recovery can bring the env back
        last, _ = setup.install()
    setup.assert_failed_on_host(last)
    lines = [line for source, line in log_lines(setup.events) if source == setup.host.spec]
    assert any(f"restored the previous .venv of {setup.wenv}" in line for line in lines), lines
    assert setup.old_env_file_there() and setup.live_mark() == before
    assert setup.nothing_aside(), setup.listing()


def test_install_killed_mid_build_keeps_the_previous_env_and_is_not_ok(swap_setup):
    """SIGKILL of the CLI (its SSH connection dies with it) once the new sources reached the host."""
    setup = swap_setup
    before = setup.live_mark()
    assert run_on(setup.host, setup.key, f"touch {setup.wenv}/.venv/{OLD_ENV_FILE}").returncode == 0
    setup.set_mark(int(before) + 1)
    env = {**os.environ, "AGILAB_TUI_HOME": str(setup.workspace.root), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "tui", "install", setup.app.name], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    try:
        for line in proc.stdout:  # ends when the install does, if the line never comes
            seen.append(line)
            if f"{setup.app.worker_package}: " in line and "changed file(s) sent" in line and ": 0 changed" not in line:
                os.killpg(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        setup.set_mark(int(before))
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-30:])
    stamp = worker_env(setup.workspace, setup.app).read_stamp()
    assert stamp["ok"] is False and stamp["hosts"][0]["status"] == "failed", stamp
    assert not install_status(setup.workspace, setup.app).installed
    assert setup.old_env_file_there() and setup.live_mark() == before
    # The next install clears what the killed one left on the host and swaps a whole env in.
    last, _ = setup.install()
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    assert setup.nothing_aside(), setup.listing()
    assert not setup.old_env_file_there() and setup.live_mark() == before
    assert install_status(setup.workspace, setup.app).installed
