"""Runs in modes 4-7 across two isolated hosts: partitions go through Dask, outputs land here, equal to mode 0."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path

import pytest

from engine.events import OperationFinished

from .conftest import FLIGHT, drain, log_lines

pytestmark = [pytest.mark.ssh, pytest.mark.slow]


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run(engine, mode: int):
    started = time.perf_counter()
    events, last = asyncio.run(drain(engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=mode))))
    assert isinstance(last, OperationFinished), f"mode {mode}: {getattr(last, 'error', last)}"
    return events, last.result, time.perf_counter() - started


@pytest.mark.parametrize("mode", [4, 5, 6, 7])
def test_dask_modes_across_two_isolated_hosts_equal_mode_0(installed_pair, mode):
    pair = installed_pair
    assert not pair.error, pair.error
    engine = pair.engine()
    if "mode0" not in pair.extra:
        pair.extra["mode0"] = run(engine, 0)
    _, local, local_seconds = pair.extra["mode0"]
    events, spread, seconds = run(engine, mode)
    lines = log_lines(events)
    assert any('"through dask"' in line for _, line in lines)  # no shared folder: partitions travel via Dask
    for host in pair.hosts:  # each isolated host ran a worker of its own and streamed its lines here
        assert any(source == host.spec for source, _ in lines), f"no log line from {host.spec}"
    remote = json.loads(Path(spread["reduce_path"]).read_text())["payload"]
    assert remote == json.loads(Path(local["reduce_path"]).read_text())["payload"]
    # the outputs were written on the hosts (which share no folder with us) and landed here, same bytes
    assert sorted(Path(p).name for p in spread["outputs"]) == sorted(Path(p).name for p in local["outputs"])
    assert {Path(p).name: digest(p) for p in spread["outputs"]} == {Path(p).name: digest(p) for p in local["outputs"]}
    if mode & 2:  # the cython bit ran the extension built on the hosts
        assert any("_cy" in str(i) for i in spread.get("implementations", [])), spread.get("implementations")
    left = {h.name: h.processes() for h in pair.hosts}
    deadline = time.monotonic() + 10
    while any(left.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
        left = {h.name: h.processes() for h in pair.hosts}
    assert not any(left.values()), f"processes left on the hosts: {left}"
    print(f"\nmode {mode} on 2 isolated hosts: {seconds:.2f} s; mode 0 here: {local_seconds:.2f} s")
