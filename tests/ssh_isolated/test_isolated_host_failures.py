"""Per-host failures on isolated hosts: no Python, a full disk; each fails alone while the other host installs."""

from __future__ import annotations

import asyncio

import pytest

from engine.events import OperationFailed

from .conftest import FLIGHT, drain, trust
from .isolated import run_on

pytestmark = [pytest.mark.ssh, pytest.mark.slow]


def test_missing_python_and_full_disk_fail_alone_with_their_reasons(installed_pair, iso_hosts, iso_key):
    pair = installed_pair
    assert not pair.error, pair.error
    nopy = iso_hosts.start("nopy", hide="/usr/bin/python3.11")
    small = iso_hosts.start("small", tmpfs_size="48m")
    try:
        assert run_on(nopy, iso_key, "/usr/bin/python3 -V").returncode != 0  # really no Python there
        trust(pair.workspace, [nopy, small])
        engine = pair.engine()
        settings = engine.settings(FLIGHT)
        before = dict(settings.cluster.workers)
        settings.set_workers({pair.hosts[0].spec: 1, nopy.spec: 1, small.spec: 1})
        settings.save()
        try:
            _, last = asyncio.run(drain(engine.install(FLIGHT)))
        finally:
            settings = engine.settings(FLIGHT)
            settings.set_workers(before)
            settings.save()
        assert isinstance(last, OperationFailed)
        rows = {row["host"]: row for row in last.result["hosts"]}
        assert rows[pair.hosts[0].spec]["status"] == "ok", rows[pair.hosts[0].spec]
        missing = rows[nopy.spec]
        assert missing["status"] == "failed" and missing["step"] == "python", missing
        assert "no Python 3.11 on the host" in missing["reason"] and "apt-get install python3.11" in missing["reason"]
        full = rows[small.spec]
        assert full["status"] == "failed" and full["step"] == "disk", full
        assert "not enough disk space under /root/.agilab-tui" in full["reason"] and "MiB free" in full["reason"]
        # the overall error names both hosts with their own reason, and not the healthy one
        assert nopy.spec in last.error and small.spec in last.error and pair.hosts[0].spec not in last.error
    finally:
        iso_hosts.stop(nopy)
        iso_hosts.stop(small)


def test_no_c_compiler_fails_that_host_at_the_cython_step_with_wheels_pushed(installed_pair, iso_hosts, iso_key):
    pair = installed_pair
    assert not pair.error, pair.error
    nocc = iso_hosts.start("nocc", hide="/usr/bin/x86_64-linux-gnu-gcc-12")
    try:
        assert run_on(nocc, iso_key, "gcc --version").returncode != 0  # really no compiler there
        trust(pair.workspace, [nocc])
        engine = pair.engine()
        settings = engine.settings(FLIGHT)
        before = dict(settings.cluster.workers)
        # wheels = always: this host gets the wheels from here although it could reach the index
        settings.update_cluster(index={"wheels": "always"})
        settings.set_workers({pair.hosts[0].spec: 1, nocc.spec: 1})
        settings.save()
        try:
            _, last = asyncio.run(drain(engine.install(FLIGHT)))
        finally:
            settings = engine.settings(FLIGHT)
            settings.update_cluster(index={})
            settings.set_workers(before)
            settings.save()
        assert isinstance(last, OperationFailed)
        rows = {row["host"]: row for row in last.result["hosts"]}
        assert rows[pair.hosts[0].spec]["status"] == "ok"
        row = rows[nocc.spec]
        assert row["status"] == "failed" and row["packages_from"] == "wheels pushed", row
        assert "cython mode needs a C compiler on the host" in row["reason"] and "apt-get install gcc" in row["reason"]
        assert "install dependencies" not in row["reason"]  # the environment itself was built
    finally:
        iso_hosts.stop(nocc)
