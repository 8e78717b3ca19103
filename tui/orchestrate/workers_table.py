"""Dask workers of a cluster run (mode with the Dask bit): name, host, state, address.

Rows are seeded from the worker map when the run starts (``<host>-<i>``, starting) and move on from the
run's own events: a local worker's lines arrive with ``source`` = its name, a remote worker's with
``source`` = its host spec; ``Start worker at`` marks it running, a closing line marks it exited; the
engine's ``dask: {"workers": {name: address}}`` line names every connected worker's address; the end
of the run marks every worker exited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from tui.widgets.fitted_table import FittedDataTable

COLUMNS = (("name", "worker"), ("host", "host"), ("state", "state"), ("address", "address"))
STATE_MARKS = {"starting": "· starting", "running": "▶ running", "exited": "■ exited"}
STARTED = "Start worker at"
CLOSED = ("Stopping worker", "Worker closed", "Closing worker", "Connection to scheduler broken")


def worker_names(workers: dict[str, int]) -> list[tuple[str, str]]:
    """(worker name, worker-map key) for every slot, named as the cluster names them."""
    from workers.plan import host_name

    return [(f"{host_name(host)}-{i}", host) for host, slots in workers.items() for i in range(slots)]


class ClusterWorkersTable(FittedDataTable):
    """Worker states of the current (or last) cluster run; hidden until a Dask run starts."""

    DEFAULT_CSS = """
    ClusterWorkersTable {
        display: none;
        height: auto;
        max-height: 8;
        background: $surface;
        &.-active { display: block; }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.states: dict[str, str] = {}
        """Worker name -> starting / running / exited."""
        self.hosts: dict[str, str] = {}
        """Worker name -> worker-map key (a remote worker's log source)."""

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def start(self, workers: dict[str, int]) -> None:
        """A cluster run begins: one starting row per slot of the worker map."""
        self.clear()
        self.states, self.hosts = {}, {}
        for name, host in worker_names({h: n for h, n in workers.items() if n > 0}):
            self.states[name], self.hosts[name] = "starting", host
            self.add_row(name, host, STATE_MARKS["starting"], "", key=name)
        self.add_class("-active")

    def observe(self, source: str, lines: Iterable[str]) -> None:
        """Advance workers from a batch of log lines of ``source``."""
        for line in lines:
            if source == "engine" and line.startswith("dask: "):
                self._addresses(line.removeprefix("dask: "))
                continue
            if STARTED in line:
                self._advance(source, "starting", "running", line.partition(STARTED)[2].strip(" :"))
            elif any(marker in line for marker in CLOSED):
                self._advance(source, "running", "exited")

    def finish(self) -> None:
        """The run is over: its cluster was stopped, so every worker has exited."""
        for name in self.states:
            self._set(name, "exited")

    def _names_of(self, source: str) -> list[str]:
        if source in self.states:
            return [source]
        return [name for name, host in self.hosts.items() if host == source]

    def _advance(self, source: str, before: str, after: str, address: str = "") -> None:
        # A remote host's lines are not per worker: move its first worker still in ``before``.
        for name in self._names_of(source):
            if self.states[name] == before:
                self._set(name, after, address)
                return

    def _addresses(self, payload: str) -> None:
        try:
            named = json.loads(payload).get("workers", {})
        except (json.JSONDecodeError, AttributeError):
            return
        for name, address in named.items():
            if name in self.states:
                self._set(name, "running", str(address))

    def _set(self, name: str, state: str, address: str = "") -> None:
        self.states[name] = state
        self.update_cell(name, "state", STATE_MARKS[state])
        if address:
            self.update_cell(name, "address", address, update_width=True)
