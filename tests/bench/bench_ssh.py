"""Benchmark: connect + exec over real OpenSSH to 1 host vs 3 hosts concurrently (prints figures).

Run as root with openssh-server installed: ``python tests/bench/bench_ssh.py [--rounds N]``.
Starts three fake hosts (own sshd each, netns when available), trusts their keys in a throwaway
workspace, then times ``SSHPool.connect`` + ``run_all('true')`` + close for 1 and for 3 hosts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ssh.fakehosts import FakeHosts, make_client_key, sshd_missing_reason, write_ssh_config  # noqa: E402

from engine.ssh import SSHPool, pool_options, trust_host_key  # noqa: E402
from engine.workspace import Workspace  # noqa: E402


async def one_round(workspace: Workspace, hosts: list[str]) -> tuple[float, float]:
    """Seconds for connect (all hosts concurrently) and for one exec on each."""
    async with SSHPool(pool_options(workspace)) as pool:
        started = time.perf_counter()
        failures = await pool.connect(hosts)
        connected = time.perf_counter()
        if failures:
            raise SystemExit(f"connect failed: {failures}")
        results = await pool.run_all("true")
        done = time.perf_counter()
        assert all(r.exit_status == 0 for r in results.values())  # type: ignore[union-attr]
    return connected - started, done - connected


async def bench(rounds: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="bench_ssh_"))
    key = make_client_key(base / "key")
    fake = FakeHosts(base / "hosts", key.with_suffix(".pub"))
    try:
        fake.up(3)
        os.environ["HOME"] = str(base / "home")
        os.environ.pop("SSH_AUTH_SOCK", None)
        write_ssh_config(base / "home", fake.hosts, key)
        workspace = Workspace(base / "ws")
        for host in fake.hosts:
            await trust_host_key(workspace, host.address)
        names = [h.address for h in fake.hosts]
        print(f"fake hosts: {names} ({'netns' if fake.netns else 'loopback aliases'}), rounds: {rounds}")
        await one_round(workspace, names)  # warm-up (imports, first handshakes)
        for count in (1, 3):
            connects, execs, totals = [], [], []
            for _ in range(rounds):
                c, e = await one_round(workspace, names[:count])
                connects.append(c)
                execs.append(e)
                totals.append(c + e)
            print(f"{count} host(s): connect median {statistics.median(connects) * 1000:7.1f} ms, "
                  f"exec median {statistics.median(execs) * 1000:6.1f} ms, "
                  f"connect+exec median {statistics.median(totals) * 1000:7.1f} ms "
                  f"(min {min(totals) * 1000:.1f}, max {max(totals) * 1000:.1f})")
    finally:
        hosts = list(fake.hosts)
        fake.down()
        left = [h.processes() for h in hosts]
        if any(left):
            print(f"leftovers: {left}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    reason = sshd_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    asyncio.run(bench(args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
