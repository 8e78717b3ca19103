"""SSH layer against real OpenSSH fake hosts: concurrency, host keys, errors naming the host."""

from __future__ import annotations

import asyncio
import time

import pytest

from engine.ssh import (
    AuthenticationError,
    ConnectOptions,
    HostKeyChangedError,
    HostUnreachableError,
    SSHHost,
    SSHPool,
    UnknownHostKeyError,
    pool_options,
    trust_host_key,
    workspace_known_hosts,
)

from .fakehosts import FakeHosts, make_client_key

pytestmark = pytest.mark.ssh


async def test_two_hosts_connect_concurrently_and_stream(trusted_workspace, fake_hosts, no_leftovers):
    options = pool_options(trusted_workspace)
    lines: list[tuple[str, str]] = []
    async with SSHPool(options) as pool:
        failures = await pool.connect(h.address for h in fake_hosts.hosts)  # port/user/key via ~/.ssh/config
        assert failures == {}
        assert sorted(pool.hosts) == sorted(h.address for h in fake_hosts.hosts)
        results = await pool.run_all("hostname")
        assert sorted(r.stdout.strip() for r in results.values()) == ["fakehost1", "fakehost2"]
        codes = await asyncio.gather(*(
            host.stream("for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 3", lambda host_, line: lines.append((host_, line)))
            for host in pool.hosts.values()))
        assert codes == [3, 3]
    for host in fake_hosts.hosts:
        mine = [line for label, line in lines if label == host.address]
        assert sorted(mine) == ["err1", "err2", "err3", "out1", "out2", "out3"]


async def test_unknown_key_refused_until_trusted_then_changed_key_refused(
        workspace, ssh_home, tmp_path, client_key, no_leftovers):
    # A host of its own, so that changing its key cannot disturb the shared ones.
    own = FakeHosts(tmp_path / "own", client_key.with_suffix(".pub"), use_netns=False)
    try:
        host = own.up(1)[0]
        options = ConnectOptions(key_path=str(client_key), known_hosts_files=(workspace_known_hosts(workspace),))
        with pytest.raises(UnknownHostKeyError) as info:
            await SSHHost(host.spec, options).connect()
        assert info.value.host == host.spec and info.value.fingerprint.startswith("SHA256:")
        assert host.spec in str(info.value)
        assert not workspace_known_hosts(workspace).exists()  # nothing accepted silently

        printed = await trust_host_key(workspace, host.spec, expected_fingerprint=info.value.fingerprint)
        assert printed == info.value.fingerprint
        assert f"[{host.address}]:{host.port} ssh-ed25519 " in workspace_known_hosts(workspace).read_text()
        conn = await SSHHost(host.spec, options).connect()
        assert (await conn.run("echo ok", check=True)).stdout == "ok\n"
        await conn.close()

        own.restart_with_new_key(host)
        with pytest.raises(HostKeyChangedError) as changed:
            await SSHHost(host.spec, options).connect()
        assert "HOST KEY CHANGED" in str(changed.value) and changed.value.fingerprint != printed
        with pytest.raises(HostKeyChangedError):  # the trust action never overwrites a recorded key
            await trust_host_key(workspace, host.spec)
    finally:
        own.down()


async def test_wrong_fingerprint_is_not_trusted(workspace, ssh_home, host1):
    with pytest.raises(UnknownHostKeyError):
        await trust_host_key(workspace, host1.address, expected_fingerprint="SHA256:not-the-key")
    assert not workspace_known_hosts(workspace).exists()


async def test_unreachable_host_fails_alone_within_timeout(trusted_workspace, fake_hosts, blackhole, no_leftovers):
    options = pool_options(trusted_workspace, connect_timeout=1.5)
    dead = f"root@{blackhole[0]}:{blackhole[1]}"
    refused_port = blackhole[1] + 1 if blackhole[1] < 65535 else blackhole[1] - 1
    refused = f"root@127.0.0.1:{refused_port}"
    async with SSHPool(options) as pool:
        started = time.monotonic()
        failures = await pool.connect([fake_hosts.hosts[0].address, dead, refused])
        elapsed = time.monotonic() - started
        assert set(failures) == {dead, refused}
        assert isinstance(failures[dead], HostUnreachableError) and dead in str(failures[dead])
        assert "within 1.5 s" in str(failures[dead])
        assert isinstance(failures[refused], HostUnreachableError) and refused in str(failures[refused])
        assert elapsed < 1.5 + 5  # bounded by the timeout, not hanging
        assert (await pool[fake_hosts.hosts[0].address].run("echo alive")).stdout == "alive\n"
        with pytest.raises(HostUnreachableError):
            pool[dead]


async def test_auth_failure_names_host(trusted_workspace, host1, tmp_path):
    stranger = make_client_key(tmp_path / "stranger")
    options = pool_options(trusted_workspace)
    options.key_path = str(stranger)
    options.ssh_config = ()  # no IdentityFile from ~/.ssh/config: only the stranger key
    with pytest.raises(AuthenticationError) as info:
        await SSHHost(host1.spec, options).connect()
    assert host1.spec in str(info.value)


async def test_remote_process_pid_stop_and_sftp_tree(trusted_workspace, host1, tmp_path, no_leftovers):
    tree = tmp_path / "tree"
    (tree / "pkg" / "sub").mkdir(parents=True)
    (tree / "pkg" / "a.py").write_text("A = 1\n")
    (tree / "pkg" / "sub" / "b.txt").write_text("bee\n")
    remote = tmp_path / "shipped"
    host = await SSHHost(host1.address, pool_options(trusted_workspace)).connect()
    try:
        assert await host.put_tree(tree, str(remote)) == 2
        assert (remote / "pkg" / "sub" / "b.txt").read_text() == "bee\n"
        lines: list[tuple[str, str]] = []
        proc = await host.start("sh -c 'echo started; sleep 300 & sleep 301; wait'", lambda host_, line: lines.append((host_, line)),
                                cwd=str(remote), env={"AGILAB_X": "1 2"})
        assert proc.pid is not None and proc.running
        for _ in range(50):
            if lines:
                break
            await asyncio.sleep(0.05)
        assert lines == [(host1.address, "started")]
        assert await host.alive_pids([proc.pid]) == [proc.pid]
        await proc.stop(grace=2.0)  # kill over a second channel: the group, children included
        assert await host.alive_pids([proc.pid]) == []
        assert await proc.wait(5.0)
    finally:
        await host.close()


def test_host_spec_and_secrets_not_in_repr():
    from engine.ssh import HostSpec

    assert HostSpec.parse("bob@10.0.0.5:2222") == HostSpec("10.0.0.5", "bob", 2222)
    assert HostSpec.parse("10.0.0.5").label == "10.0.0.5"
    assert HostSpec.parse("fe80::1").host == "fe80::1"
    assert HostSpec.parse("[fe80::1]:22").port == 22
    with pytest.raises(ValueError):
        HostSpec.parse("bob@")
    assert "hunter2" not in repr(ConnectOptions(password="hunter2", passphrase="hunter2"))


async def test_default_key_and_agent_are_used(trusted_workspace, host1, client_key, ssh_home, monkeypatch, tmp_path):
    import shutil
    import subprocess

    options = pool_options(trusted_workspace)
    options.ssh_config = ()  # no IdentityFile: only ~/.ssh/id_ed25519 or the agent can log in
    spec = host1.spec
    # 1. the user's default key file
    shutil.copy(client_key, ssh_home / ".ssh" / "id_ed25519")
    (ssh_home / ".ssh" / "id_ed25519").chmod(0o600)
    host = await SSHHost(spec, options).connect()
    assert (await host.run("echo key", check=True)).stdout == "key\n"
    await host.close()
    (ssh_home / ".ssh" / "id_ed25519").unlink()
    # 2. the agent (no key file anywhere)
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if sock.exists():
                break
            await asyncio.sleep(0.05)
        env = {"SSH_AUTH_SOCK": str(sock), "PATH": "/usr/bin:/bin"}
        subprocess.run(["ssh-add", "-q", str(client_key)], check=True, env=env, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        host = await SSHHost(spec, options).connect()
        assert (await host.run("echo agent", check=True)).stdout == "agent\n"
        await host.close()
    finally:
        agent.terminate()
        agent.wait(5)
