"""Remote install onto isolated hosts: uv shipped and verified, the host's own Python, packages from the index."""

from __future__ import annotations

import asyncio
import time

import pytest

from engine.events import OperationFinished
from engine.remote_host_prep import local_uv

from .conftest import FLIGHT, drain, log_lines
from .isolated import run_on

pytestmark = [pytest.mark.ssh, pytest.mark.slow]


def test_hosts_are_bare_before_install(iso_hosts, iso_key):
    host = iso_hosts.start("bare")
    try:
        out = run_on(host, iso_key, "command -v uv || echo no-uv; ls -A /root | wc -l; /usr/bin/python3 -c "
                                    "'import sys; print(sys.version_info[:2])'; ls /work 2>&1 | wc -l")
        lines = out.stdout.split("\n")
        assert lines[0] == "no-uv" and lines[1] == "0" and "(3, 11)" in lines[2], out
    finally:
        iso_hosts.stop(host)


def test_from_scratch_install_on_two_isolated_hosts(installed_pair):
    pair = installed_pair
    assert not pair.error, pair.error
    rows = {row["host"]: row for row in pair.result["hosts"]}
    assert set(rows) == {h.spec for h in pair.hosts}
    lines = log_lines(pair.events)
    _, digest = local_uv()
    for host in pair.hosts:
        row = rows[host.spec]
        assert row["status"] == "ok", row
        assert row["python"].startswith("/usr/bin/python3") and "(3.11)" in row["python"], row
        assert row["packages_from"] == "index", row  # nothing cached on a bare host
        own = [line for source, line in lines if source == host.spec]
        assert any("uv: shipping" in line for line in own) and any("sha256 verified" in line for line in own)
        # what landed on the host, checked with plain ssh, not through the engine
        out = run_on(host, pair.key, f"sha256sum {row['wenv'].rsplit('/wenv/', 1)[0]}/bin/uv; "
                                     f"{row['wenv']}/.venv/bin/python -c 'import sys,pandas,dask; print(sys.base_prefix)'; "
                                     f"ls {row['wenv']}/src/ | grep -c '_cy.*\\.so$'")
        sha, base, cy = out.stdout.split()[:1] + out.stdout.split()[2:4]
        assert sha == digest and base == "/usr" and cy == "1", out
    # the CA bundle of this machine went to the hosts (the UnknownIssuer fix)
    assert any("CA bundle" in line and "shipped" in line for _, line in lines)
    print(f"\nfrom-scratch install on 2 isolated hosts: {pair.seconds:.1f} s "
          f"(per host {[rows[h.spec]['seconds'] for h in pair.hosts]})")


def test_second_install_is_incremental_and_quick(installed_pair):
    pair = installed_pair
    assert not pair.error, pair.error
    engine = pair.engine()
    started = time.perf_counter()
    events, last = asyncio.run(drain(engine.install(FLIGHT)))
    seconds = time.perf_counter() - started
    assert isinstance(last, OperationFinished), getattr(last, "error", "")
    rows = {row["host"]: row for row in last.result["hosts"]}
    lines = log_lines(events)
    for host in pair.hosts:
        row = rows[host.spec]
        assert row["status"] == "ok" and row["packages_from"] == "cache", row
        assert row["files_sent"] == 0, row  # sources unchanged: nothing re-sent
        own = [line for source, line in lines if source == host.spec]
        assert any("matches this machine's" in line for line in own), own  # uv not shipped again
        assert not any("uv: shipping" in line for line in own)
        assert any("is up to date" in line for line in own)  # cython not rebuilt
    pair.extra["second_install_seconds"] = seconds
    print(f"\nsecond install on 2 isolated hosts: {seconds:.1f} s (first: {pair.seconds:.1f} s); "
          f"per host {[rows[h.spec]['seconds'] for h in pair.hosts]}")
