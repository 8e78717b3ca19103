"""Password logins and a non-root user with a home of its own, on an air-gapped isolated host.

The host lives in a network namespace with no route out: it reaches this machine's bridge and
nothing else, so no package index. Its install gets the wheels pushed from here over SFTP.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from engine.events import OperationFinished
from engine.facade import Engine
from engine.ssh import AuthenticationError, SSHPool, pool_options
from tests.ssh.fakehosts import free_port

from .conftest import FLIGHT, drain, log_lines, trust
from .isolated import netns_missing_reason, run_on

pytestmark = [pytest.mark.ssh, pytest.mark.slow]


@pytest.fixture(scope="module")
def airgap_host(iso_hosts, test_user):
    reason = netns_missing_reason()
    if reason:
        pytest.skip(reason)
    host = iso_hosts.start("airgap", netns=True, user=test_user.name, password="1", users=test_user.name)
    yield host
    iso_hosts.stop(host)


def grep_tree(root: Path, needle: str) -> list[str]:
    """Files under ``root`` whose bytes contain ``needle`` (grep -r, binary files included)."""
    out = subprocess.run(["grep", "-rlaF", needle, str(root)], capture_output=True, text=True)
    return out.stdout.split()


async def whoami(engine: Engine, host, password: str | None):
    from engine.ssh.credentials import remember_password

    remember_password(engine.workspace.root, password)
    settings = engine.settings(FLIGHT)
    async with SSHPool(pool_options(engine.workspace, settings.cluster)) as pool:
        failures = await pool.connect([host.spec])
        if failures:
            return failures[host.spec]
        return (await pool[host.spec].run("id -un; echo $HOME; ls -ld $HOME | cut -d' ' -f3", check=True)).stdout.split()


def test_password_login_as_a_non_root_user_then_airgapped_install_and_run(installed_pair, airgap_host, test_user,
                                                                        iso_hosts, tmp_path):
    pair = installed_pair
    assert not pair.error, pair.error
    engine = pair.engine()
    trust(pair.workspace, [airgap_host])
    settings = engine.settings(FLIGHT)
    before = {"workers": dict(settings.cluster.workers), "scheduler": settings.cluster.scheduler}
    try:
        settings.update_cluster(auth_method="password", ssh_key_path="",
                                scheduler=f"{iso_hosts.scheduler_host}:{free_port(iso_hosts.scheduler_host)}")
        settings.set_workers({airgap_host.spec: 1})
        settings.save()
        # no password yet: a clear error before any connection
        with pytest.raises(AuthenticationError, match="no SSH password was given"):
            asyncio.run(whoami(engine, airgap_host, None))
        # a wrong password is refused by sshd (keys are not offered in password mode, so the key can't help)
        refused = asyncio.run(whoami(engine, airgap_host, "not-" + test_user.password))
        assert isinstance(refused, AuthenticationError), refused
        # the right one logs in as the user, in a home of its own
        name, home, owner = asyncio.run(whoami(engine, airgap_host, test_user.password))
        assert (name, home, owner) == (test_user.name, f"/home/{test_user.name}", test_user.name)
        assert "Accepted password for " + test_user.name in (airgap_host.dir / "sshd.log").read_text()

        engine.set_ssh_password(test_user.password)
        events, last = asyncio.run(drain(engine.install(FLIGHT)))
        assert isinstance(last, OperationFinished), getattr(last, "error", "")
        row = last.result["hosts"][0]
        assert row["status"] == "ok" and row["packages_from"] == "wheels pushed", row
        assert row["wenv"].startswith(f"/home/{test_user.name}/.agilab-tui/"), row
        lines = [line for source, line in log_lines(events) if source == airgap_host.spec]
        assert any("unreachable from the host" in line for line in lines), lines[-20:]
        assert any(line.startswith("wheels: ") and "sent over SFTP" in line for line in lines)
        # the files on the host belong to the user (checked from outside the engine, with the key)
        owner = run_on(airgap_host, pair.key, f"stat -c %U {row['wenv']}/.venv/bin/python")
        assert owner.stdout.strip() == test_user.name, owner

        _, local = asyncio.run(drain(engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0))))
        events, remote = asyncio.run(drain(engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=4))))
        assert isinstance(remote, OperationFinished), getattr(remote, "error", "")
        assert json.loads(Path(remote.result["reduce_path"]).read_text())["payload"] == \
            json.loads(Path(local.result["reduce_path"]).read_text())["payload"]
        assert any(source == airgap_host.spec for source, _ in log_lines(events))

        # the password is nowhere: workspace (settings, logs, records, MLflow), the host's files, its sshd dir
        host_root = Path(f"/proc/{airgap_host.sshd_pid}/root/home/{test_user.name}")
        assert host_root.is_dir()
        for place in (pair.workspace.root, host_root, airgap_host.dir):
            assert grep_tree(place, test_user.password) == [], place
        assert "auth_method = \"password\"" in engine.settings(FLIGHT).path.read_text()
    finally:
        engine.set_ssh_password(None)
        settings = engine.settings(FLIGHT)
        settings.update_cluster(auth_method="ssh_key", ssh_key_path=str(pair.key), scheduler=before["scheduler"])
        settings.set_workers(before["workers"])
        settings.save()


def test_cli_reads_the_password_from_stdin_and_installs_incrementally(installed_pair, airgap_host, test_user,
                                                                     iso_hosts):
    import sys

    pair = installed_pair
    engine = pair.engine()
    trust(pair.workspace, [airgap_host])
    settings = engine.settings(FLIGHT)
    before = {"workers": dict(settings.cluster.workers), "scheduler": settings.cluster.scheduler}
    repo = Path(__file__).resolve().parents[2]
    try:
        settings.update_cluster(auth_method="password", ssh_key_path="",
                                scheduler=f"{iso_hosts.scheduler_host}:{free_port(iso_hosts.scheduler_host)}")
        settings.set_workers({airgap_host.spec: 1})
        settings.save()
        argv = [sys.executable, "-m", "tui", "--home", str(pair.workspace.root), "install", FLIGHT, "--json"]
        refused = subprocess.run(argv, capture_output=True, text=True, cwd=repo, timeout=900)
        assert refused.returncode != 0 and "no SSH password was given" in refused.stdout + refused.stderr
        done = subprocess.run(argv + ["--ask-password"], input=test_user.password + "\n", capture_output=True,
                              text=True, cwd=repo, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
        assert test_user.password not in done.stdout + done.stderr
        rows = json.loads(done.stdout)["result"]["hosts"]
        assert rows[0]["status"] == "ok" and rows[0]["files_sent"] == 0, rows
        for place in (pair.workspace.root, airgap_host.dir):
            assert grep_tree(place, test_user.password) == [], place
    finally:
        settings = engine.settings(FLIGHT)
        settings.update_cluster(auth_method="ssh_key", ssh_key_path=str(pair.key), scheduler=before["scheduler"])
        settings.set_workers(before["workers"])
        settings.save()
