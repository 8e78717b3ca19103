"""Isolated worker hosts for tests: real sshd in its own mount namespace (a bare Debian host).

Each host sees empty /root, /home, /tmp, /opt, /var/tmp and an empty top folder of the checkout:
only /usr/bin/python3 (3.11) and the system's /usr, no uv, no venv, no cache, no file of this
machine's. Loopback-alias hosts (127.0.0.N) reach the package index; hosts in a network namespace
without a route reach nothing but the bridge (air-gapped). Options of the fixture script beside
this file add password logins, a non-root user with a home of its own, a small disk, a hidden Python.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.ssh.fakehosts import FakeHost, FakeHosts, alive, free_port

SCRIPT = Path(__file__).resolve().parents[1] / "ssh" / "sshd_fixture.sh"  # one fixture script for both suites


def isolation_missing_reason() -> str | None:
    """Why isolated hosts cannot run here (a skip reason), or None."""
    if not Path("/usr/sbin/sshd").exists():
        return "OpenSSH server not installed (apt-get install -y --no-install-recommends openssh-server)"
    if os.geteuid() != 0:
        return "isolated SSH hosts need root (mount namespaces, sshd as root)"
    if not shutil.which("unshare"):
        return "isolated SSH hosts need unshare (util-linux)"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"mount namespaces unavailable here: {probe.stderr.strip() or probe.returncode}"
    if not Path("/usr/bin/python3").exists():
        return "isolated hosts need the system /usr/bin/python3"
    return None


def netns_missing_reason() -> str | None:
    if isolation_missing_reason():
        return isolation_missing_reason()
    return None if FakeHosts._netns_usable() else "network namespaces unavailable (ip netns add failed)"


@dataclass
class IsoHost(FakeHost):
    """An isolated host; ``user`` is the login user."""

    user: str = "root"
    options: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> str:
        return f"{self.user}@{self.address}:{self.port}"


@dataclass
class TestUser:
    """A non-root account on this machine (so sshd knows it) with a random password."""

    name: str
    password: str

    @classmethod
    def create(cls) -> TestUser:
        name = f"agt{os.getpid() % 100000}{secrets.token_hex(2)}"
        password = "pw-" + secrets.token_urlsafe(18)
        subprocess.run(["useradd", "-M", "-d", f"/home/{name}", "-s", "/bin/bash", name], check=True,
                       capture_output=True)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True, capture_output=True)
        return cls(name, password)

    def delete(self) -> None:
        subprocess.run(["userdel", self.name], capture_output=True)


class IsolatedHosts:
    """Isolated hosts started one by one, stopped together (each sshd tree and orphans killed by PID)."""

    def __init__(self, base: Path, pubkey: Path):
        self.base = base
        self.pubkey = pubkey
        self.hosts: list[IsoHost] = []
        self.net: FakeHosts | None = None  # bridge + namespaces, created for the first netns host
        self._ns_count = 0
        self._alias = 1

    def start(self, name: str, *, netns: bool = False, user: str = "root", **options: str) -> IsoHost:
        """One host; ``options`` are SSHD_FIXTURE_* variables (PASSWORD, USERS, TMPFS_SIZE, HIDE)."""
        ns = None
        if netns:
            if self.net is None:
                self.net = FakeHosts(self.base / "net", self.pubkey, use_netns=True)
                self.net._bridge()
            self._ns_count += 1
            ns, address = self.net._namespace(self._ns_count)
            self.net.hosts.append(FakeHost(name, address, 22, self.base / name, 0, ns))  # for down()
            port = 22
        else:
            self._alias += 1
            address = f"127.0.0.{self._alias + 10}"
            port = free_port(address)
        host_dir = self.base / name
        env = {**os.environ, "SSHD_FIXTURE_ISOLATE": "1", "SSHD_FIXTURE_HOSTNAME": name}
        env.update({f"SSHD_FIXTURE_{k.upper()}": v for k, v in options.items()})
        argv = [str(SCRIPT), "start", str(host_dir), address, str(port), str(self.pubkey)] + ([ns] if ns else [])
        out = subprocess.run(argv, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            raise RuntimeError(f"isolated host {name} did not start: {out.stderr.strip()}")
        host = IsoHost(name, address, port, host_dir, int(out.stdout.strip()), ns, user=user, options=options)
        self.hosts.append(host)
        return host

    @property
    def scheduler_host(self) -> str:
        """Where the hosts reach this machine: the bridge address for netns hosts, else loopback."""
        return self.net.scheduler_host if self.net is not None else "127.0.0.1"

    def stop(self, host: IsoHost) -> None:
        orphans = host.processes()
        subprocess.run([str(SCRIPT), "stop", str(host.dir)], capture_output=True)
        for pid in orphans:
            if alive(pid):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
        if host in self.hosts:
            self.hosts.remove(host)

    def leftovers(self) -> dict[str, list[int]]:
        return {h.name: pids for h in self.hosts if (pids := h.processes())}

    def down(self) -> None:
        for host in list(self.hosts):
            self.stop(host)
        if self.net is not None:
            self.net.down()
            self.net = None


def run_on(host: IsoHost, key: Path, command: str) -> subprocess.CompletedProcess[str]:
    """Run a command on a host with plain OpenSSH ssh (key login), for checks from outside the engine."""
    argv = ["ssh", "-F", "/dev/null", "-i", str(key), "-p", str(host.port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            f"{host.user}@{host.address}", command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)
