"""Fake SSH hosts for tests and benchmarks: real OpenSSH sshd per host, in own network namespaces.

Each host is a real ``/usr/sbin/sshd`` started by the shared ``sshd_fixture.sh``. With ``ip netns``
(root) each host gets its own namespace on a private bridge (10.213.N.0/25, names unique to this
process so parallel sessions never collide); otherwise loopback aliases 127.0.0.2, 127.0.0.3, ...
with free ports are used. Teardown kills every sshd session tree and any orphan by PID.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SSHD = Path("/usr/sbin/sshd")
REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(os.environ.get("AGILAB_SSHD_FIXTURE", Path(__file__).with_name("sshd_fixture.sh")))


def fixture_script() -> Path:
    """The sshd fixture script (a copy of the shared recipe's, kept beside this file)."""
    return FIXTURE


def sshd_missing_reason() -> str | None:
    """Why fake hosts cannot run here, or None."""
    if not SSHD.exists():
        return "OpenSSH server not installed (apt-get install -y --no-install-recommends openssh-server)"
    if not fixture_script().exists():
        return f"sshd fixture script not found at {FIXTURE}"
    if os.geteuid() != 0:
        return "the SSH tests run sshd as root (privilege separation dir, root logins): not root here"
    return None


def alive(pid: int) -> bool:
    """True when ``pid`` exists and is not a zombie (PID 1 here reaps orphans lazily)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeHost:
    """One fake host: its sshd, address and port, and the namespace it lives in (if any)."""

    name: str
    address: str
    port: int
    dir: Path
    sshd_pid: int
    netns: str | None = None

    @property
    def spec(self) -> str:
        """``root@addr:port`` for the SSH layer."""
        return f"root@{self.address}:{self.port}"

    def processes(self) -> list[int]:
        """Non-zombie PIDs started through this host's sshd (sessions and their commands, orphans too)."""
        found: set[int] = set()
        try:
            found.update(c.pid for c in psutil.Process(self.sshd_pid).children(recursive=True))
        except psutil.Error:
            pass
        # Orphans are re-parented to PID 1, so also match the session variable sshd sets.
        mark = f" {self.address} {self.port}"
        for proc in psutil.process_iter(["pid"]):
            try:
                conn = proc.environ().get("SSH_CONNECTION", "")
            except psutil.Error:
                continue
            if conn.endswith(mark):
                found.add(proc.pid)
        found.discard(self.sshd_pid)
        return sorted(p for p in found if alive(p))


class FakeHosts:
    """A set of fake hosts started together and torn down together."""

    def __init__(self, base: Path, client_pubkey: Path, *, use_netns: bool | None = None):
        self.base = base
        self.pubkey = client_pubkey
        self.hosts: list[FakeHost] = []
        self.tag = ""  # agt<octet> once a subnet is claimed
        self.subnet_octet = os.getpid() % 200 + 20
        if use_netns is None and os.environ.get("AGILAB_FAKEHOSTS_NETNS") == "0":
            use_netns = False  # force the loopback-alias fallback
        self.netns = self._netns_usable() if use_netns is None else use_netns
        self.scheduler_host = "127.0.0.1"  # the bridge address once netns hosts are up
        self._bridge_up = False

    @staticmethod
    def _netns_usable() -> bool:
        if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
            return False
        probe = f"agtprobe{os.getpid() % 100000}"
        ok = subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode == 0
        if ok:
            subprocess.run(["ip", "netns", "del", probe], capture_output=True)
        return ok

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    def _bridge(self) -> None:
        # Claim a subnet no other session uses: creating the bridge named after it is the atomic claim.
        for attempt in range(200):
            octet = (self.subnet_octet + attempt - 20) % 200 + 20
            if subprocess.run(["ip", "route", "show", f"10.213.{octet}.0/24"],
                              capture_output=True, text=True).stdout.strip():
                continue
            if subprocess.run(["ip", "link", "add", f"agt{octet}br", "type", "bridge"],
                              capture_output=True).returncode == 0:
                self.subnet_octet, self.tag = octet, f"agt{octet}"
                self._bridge_up = True  # from here on down() removes it
                break
        else:
            raise RuntimeError("no free 10.213.N.0/24 subnet for fake hosts")
        self.scheduler_host = f"10.213.{self.subnet_octet}.1"
        net = f"10.213.{self.subnet_octet}"
        # Safety net: should the bridge route vanish, the /24 is unreachable rather than routed out.
        self._ip("route", "replace", "unreachable", f"{net}.0/24")
        self._ip("addr", "add", f"{net}.1/25", "dev", f"{self.tag}br")
        self._ip("link", "set", f"{self.tag}br", "up")

    def _namespace(self, index: int) -> tuple[str, str]:
        net = f"10.213.{self.subnet_octet}"
        ns, veth = f"{self.tag}h{index}", f"{self.tag}v{index}"
        self._ip("netns", "add", ns)
        self._ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        self._ip("link", "set", veth, "master", f"{self.tag}br", "up")
        self._ip("-n", ns, "addr", "add", f"{net}.{index + 1}/25", "dev", "eth0")
        self._ip("-n", ns, "link", "set", "lo", "up")
        self._ip("-n", ns, "link", "set", "eth0", "up")
        route = subprocess.run(["ip", "route", "get", f"{net}.{index + 1}"], capture_output=True, text=True)
        if f"dev {self.tag}br" not in route.stdout:
            raise RuntimeError(f"route to fake host {net}.{index + 1} does not use the bridge: {route.stdout}")
        return ns, f"{net}.{index + 1}"

    def up(self, count: int) -> list[FakeHost]:
        """Start ``count`` more hosts (sshd each) and return all of them."""
        if self.netns and not self._bridge_up:
            self._bridge()
        start = len(self.hosts) + 1
        for index in range(start, start + count):
            ns: str | None = None
            if self.netns:
                ns, address = self._namespace(index)
                port = 22
            else:
                address = f"127.0.0.{index + 1}"
                port = free_port(address)
            host_dir = self.base / f"host{index}"
            env = {**os.environ, "SSHD_FIXTURE_HOSTNAME": f"fakehost{index}"}
            argv = [str(fixture_script()), "start", str(host_dir), address, str(port), str(self.pubkey)]
            out = subprocess.run(argv + ([ns] if ns else []), check=True, capture_output=True, text=True, env=env)
            self.hosts.append(FakeHost(f"fakehost{index}", address, port, host_dir, int(out.stdout.strip()), ns))
        return self.hosts

    def restart_with_new_key(self, host: FakeHost) -> None:
        """Stop a host's sshd, give it a fresh host key, start it again on the same address."""
        subprocess.run([str(fixture_script()), "stop", str(host.dir)], check=True, capture_output=True)
        for key in host.dir.glob("ssh_host_*"):
            key.unlink()
        argv = [str(fixture_script()), "start", str(host.dir), host.address, str(host.port), str(self.pubkey)]
        out = subprocess.run(argv + ([host.netns] if host.netns else []), check=True,
                             capture_output=True, text=True)
        host.sshd_pid = int(out.stdout.strip())

    def leftovers(self) -> dict[str, list[int]]:
        """Host name -> processes still alive through it (sshd sessions included)."""
        return {h.name: pids for h in self.hosts if (pids := h.processes())}

    def wait_clean(self, timeout: float = 10.0) -> dict[str, list[int]]:
        """Poll until no host has a process left; return what is left at the deadline."""
        deadline = time.monotonic() + timeout
        left = self.leftovers()
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = self.leftovers()
        return left

    def down(self) -> None:
        """Kill every session tree and orphan by PID, stop each sshd, remove namespaces and links."""
        for host in self.hosts:
            orphans = host.processes()
            subprocess.run([str(fixture_script()), "stop", str(host.dir)], capture_output=True)
            for pid in orphans:
                if alive(pid):
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
        if self.netns:
            for index in range(1, len(self.hosts) + 1):
                subprocess.run(["ip", "netns", "del", f"{self.tag}h{index}"], capture_output=True)
                subprocess.run(["ip", "link", "del", f"{self.tag}v{index}"], capture_output=True)
            if self._bridge_up:
                subprocess.run(["ip", "link", "del", f"{self.tag}br"], capture_output=True)
                subprocess.run(["ip", "route", "del", "unreachable", f"10.213.{self.subnet_octet}.0/24"],
                               capture_output=True)
        self.hosts = []


def make_client_key(folder: Path) -> Path:
    """A throwaway ed25519 client key without passphrase; returns the private key path."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "agilab-test", "-f", str(key)],
                   check=True)
    return key


def write_ssh_config(home: Path, hosts: list[FakeHost], key: Path) -> Path:
    """A ``~/.ssh/config`` naming each fake host's port, user and identity, as a user would."""
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = []
    for host in hosts:
        lines += [f"Host {host.address}", f"  Port {host.port}", "  User root", f"  IdentityFile {key}", ""]
    config = ssh_dir / "config"
    config.write_text("\n".join(lines))
    return config
