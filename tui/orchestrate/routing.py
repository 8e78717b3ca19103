"""What ORCHESTRATE does with cluster events, mixed into the page next to its other handlers.

Install events move the Hosts table; a run or benchmark in a Dask mode feeds the cluster workers
table; every log batch goes through the per-source filter so the log pane can follow one source
(all / scheduler / a worker or host). The page calls these from its own event handlers, so every
widget is still mutated inside a message handler.
"""

from __future__ import annotations

import re
from typing import Any

from tui.orchestrate.log_filter import LogSourceFilter
from tui.page import PaletteCommand
from tui.widgets.log_pane import LogPane

DASK_BIT = 4


def dask_modes(op: Any) -> bool:
    """True when a run or benchmark operation includes a mode with the Dask bit (from its detail)."""
    if op.kind not in ("run", "benchmark"):
        return False
    return any(int(m) & DASK_BIT for m in re.findall(r"\d+", op.detail or ""))


class ClusterRouting:
    """Mixin for ``OrchestrateView``: hosts, cluster workers, log source filter and service commands."""

    log_filter: LogSourceFilter
    """Set by the page's ``__init__``: every line of the current operation by source."""

    def cluster_operation_started(self, op: Any) -> None:
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.workers_table import ClusterWorkersTable
        page: Any = self
        self.log_filter.reset()
        self._retitle_log(op.kind)
        if op.kind == "install":
            page.query_one(HostsSection).install_event("started")
        if dask_modes(op):
            engine = page.app.engine
            workers = engine.settings(engine.active_app()).cluster.workers
            page.query_one(ClusterWorkersTable).start(workers)

    def cluster_log_lines(self, op: Any, source: str, lines: list[str]) -> list[str]:
        """Route one batch; return the lines the log pane shows under the current filter."""
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.workers_table import ClusterWorkersTable
        page: Any = self
        if op.kind == "install":
            page.query_one(HostsSection).install_event("lines", source, tuple(lines))
        if dask_modes(op):
            page.query_one(ClusterWorkersTable).observe(source, lines)
        return self.log_filter.record(source, lines)

    def cluster_operation_done(self, op: Any, event: Any) -> None:
        from engine.events import OperationFinished
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.workers_table import ClusterWorkersTable
        page: Any = self
        if op.kind == "install":
            result = event.result if isinstance(event, OperationFinished) else getattr(event, "result", {})
            page.query_one(HostsSection).install_event("done", result=result or {})
        if dask_modes(op):
            page.query_one(ClusterWorkersTable).finish()

    def service_log_lines(self, lines: list[str]) -> None:
        """Lines of the running service's own log (the Service section follows it between operations)."""
        shown = self.log_filter.record("service", lines)
        self.query_one(LogPane).stream_lines(shown)  # type: ignore[attr-defined]

    # --- log source filter ------------------------------------------------------------------------
    def _retitle_log(self, kind: str | None = None) -> None:
        pane: Any = self.query_one(LogPane)  # type: ignore[attr-defined]
        base = pane.border_title.split(" ⟨")[0] if kind is None else f"Log · {kind}"
        label = self.log_filter.label()
        pane.border_title = base if label == "all sources" else f"{base} ⟨{label}⟩"

    def action_log_source(self, step: int = 1) -> None:
        """Show the next source's lines only (all → scheduler → each worker/host → ...)."""
        self.log_filter.cycle(step)
        pane: Any = self.query_one(LogPane)  # type: ignore[attr-defined]
        pane.clear()
        pane.write_lines(self.log_filter.lines())
        pane.follow()
        self._retitle_log()
        self.notify(f"log: {self.log_filter.label()}", timeout=2)  # type: ignore[attr-defined]

    def action_log_all(self) -> None:
        self.log_filter.show("")
        self.action_log_source(0)

    # --- palette ----------------------------------------------------------------------------------
    def cluster_palette_commands(self) -> list[PaletteCommand]:
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.service_panel import ServiceSection
        page: Any = self

        def hosts(action: str) -> Any:
            def run() -> None:
                page.show_section("hosts")
                getattr(page.query_one(HostsSection), f"action_{action}")()
            return run

        def service(action: str) -> Any:
            def run() -> None:
                page.show_section("service")
                page.query_one(ServiceSection).action_service(action)
            return run

        return [
            PaletteCommand("hosts: check", "Connect to every remote host; show unreachable ones and unknown keys",
                           hosts("check")),
            PaletteCommand("hosts: trust key", "Trust the shown host key (its fingerprint must still match)",
                           hosts("trust")),
            PaletteCommand("log: next source", "Follow only the next source (scheduler, a worker, a host)",
                           self.action_log_source),
            PaletteCommand("log: all sources", "Show the lines of every source again", self.action_log_all),
            PaletteCommand("service: start", "START the service (persistent worker loops)", service("start")),
            PaletteCommand("service: status", "STATUS: refresh the worker-loop health table", service("status")),
            PaletteCommand("service: health gate", "HEALTH gate: exit code against the SLA", service("health")),
            PaletteCommand("service: stop", "STOP the service and its worker loops", service("stop")),
            PaletteCommand("cluster: show workers", "Show the Dask workers of the last cluster run",
                           lambda: page.show_section("run")),
        ]
