"""Service mode panel: START / STATUS / HEALTH gate / STOP and the live worker-loop health table.

While the service runs and this panel is shown, a timer asks the engine for the status every
``POLL_SECONDS`` (in a thread, through ``app.call_engine``); the timer pauses when the panel is hidden
and stops polling once the service is stopped. Every action shows the SLA gate's exit code with its
meaning and the path of health.json.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Button, DataTable, Static

from tui.clock import clock_of
from tui.messages import EngineCallDone
from tui.orchestrate.sections import Section
from tui.orchestrate.service_calls import (
    ServiceReport,
    gate_text,
    read_log,
    report_from_serve,
    serve_report,
    service_action,
    uses_operations,
)
from tui.orchestrate.service_form import ServiceSettingsForm

POLL_SECONDS = 2.0
COLUMNS = ("worker", "healthy", "reason", "future_state", "heartbeat_state", "heartbeat_age_sec")
ACTIONS = ("start", "status", "health", "stop")


class ServiceSection(Section):
    """Persistent worker loops of the active app (``engine.service``)."""

    TITLE = "Service"
    HELP = "Worker loops: s START · u STATUS · h HEALTH gate (SLA) · x STOP"

    DEFAULT_CSS = """
    ServiceSection {
        #service-health { height: auto; min-height: 3; max-height: 10; background: $surface; }
        #service-gate, #service-path { height: auto; padding: 0 0 0 1; color: $text-muted; }
        #service-gate.-ok { color: $success; }
        #service-gate.-error { color: $error; }
    }
    """

    BINDINGS = [
        Binding("s", "service('start')", "Start", id="service.start", tooltip="START the service (worker loops)"),
        Binding("u", "service('status')", "Status", id="service.status", tooltip="STATUS: refresh the health table"),
        Binding("h", "service('health')", "Health gate", id="service.health",
                tooltip="HEALTH gate: check the service against the SLA thresholds"),
        Binding("x", "service('stop')", "Stop", id="service.stop", tooltip="STOP the service and its worker loops"),
    ]

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.report: ServiceReport | None = None
        """The latest report (None before the first call)."""
        self.pending_action = ""
        """The user action in flight ('' when none); polls are skipped meanwhile."""
        self.polls = 0
        """Status refreshes done by the timer since mount."""
        self.polling = False
        """True while the refresh timer runs."""
        self._poll_in_flight = False
        self._timer: Timer | None = None
        self._log_follow: tuple[str, int] | None = None
        self._log_reading = False
        self._unshown: ServiceReport | None = None
        """A report that arrived while the section was hidden: drawn when it is shown (not before)."""

    def compose(self) -> ComposeResult:
        yield from self.compose_help()
        with Horizontal(classes="buttons"):
            yield Button("START", id="btn-service-start", variant="success", compact=True)
            yield Button("STATUS", id="btn-service-status", compact=True)
            yield Button("HEALTH GATE", id="btn-service-health", variant="primary", compact=True)
            yield Button("STOP", id="btn-service-stop", variant="error", compact=True)
        yield Static("", classes="status-text", id="service-status")
        yield Static("", id="service-gate")
        yield Static("", id="service-path")
        table: DataTable[str] = DataTable(id="service-health", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("SLA (health gate), heartbeat and retention", classes="section-help")
        yield ServiceSettingsForm(id="service-settings")

    def on_mount(self) -> None:
        table = self.query_one("#service-health", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self._timer = self.set_interval(POLL_SECONDS, self._poll, pause=True)

    # --- live refresh --------------------------------------------------------------------------
    def on_show(self) -> None:
        if not self.display:
            return  # shown and hidden again before this event was handled (the page's idle prewarm)
        if self._unshown is not None:
            report, self._unshown = self._unshown, None
            self.show_report(report)
        # Learn whether a service already runs (started here, from the CLI or another session).
        if self.pending_action == "" and not self._poll_in_flight:
            self._call("status", tag="service-poll")
            self._poll_in_flight = True

    def on_hide(self) -> None:
        self._set_polling(False)

    def _set_polling(self, on: bool) -> None:
        if self._timer is None:
            return
        self.polling = on
        if on:
            self._timer.resume()
        else:
            self._timer.pause()

    def _poll(self) -> None:
        # A tab switch hides an ancestor without hiding this panel: nothing on screen, nothing to poll.
        if self.region.area == 0 or not self.display:
            self._set_polling(False)
            return
        if self.pending_action or self._poll_in_flight:
            return
        self._poll_in_flight = True
        self._call("status", tag="service-poll")

    # --- actions --------------------------------------------------------------------------------
    def action_service(self, action: str) -> None:
        if self.pending_action:
            self.notify(f"service {self.pending_action} is still running", severity="warning")
            return
        engine = self.app.engine  # type: ignore[attr-defined]
        if uses_operations(engine):
            # An operation of the page: its output streams into the log pane, escape cancels it, and the
            # page hands its end back to operation_done.
            page = self._page()
            if page is None or page.current is not None:
                self.notify(f"{page.current.kind if page else 'an operation'} is still running", severity="warning")
                return
            self.pending_action = action
            self.set_status(f"{action}…", ok=None)
            page.start_operation(lambda: engine.serve(engine.active_app(), action))
            if page.current is None:  # refused (it said why)
                self.pending_action = ""
            return
        self.pending_action = action
        self.set_status(f"{action}…", ok=None)
        self._call(action, tag=f"service-{action}")

    def operation_done(self, event: Any, ok: bool) -> None:
        """The end of a service operation started by :meth:`action_service` (the page reports failures)."""
        action = self.pending_action
        if not ok or not action:
            self.pending_action = ""
            return
        self.app.call_engine(f"service-{action}", report_from_serve, self.app.engine, action,  # type: ignore[attr-defined]
                             dict(event.result or {}), reply_to=self)

    def _page(self) -> Any:
        return next((node for node in self.ancestors if hasattr(node, "start_operation")), None)

    def _call(self, action: str, *, tag: str) -> None:
        engine = self.app.engine  # type: ignore[attr-defined]
        if uses_operations(engine):
            self.run_worker(self._serve_call(engine, action, tag), group="service-calls", exit_on_error=False)
            return
        self.app.call_engine(tag, service_action, engine, action, reply_to=self)  # type: ignore[attr-defined]

    async def _serve_call(self, engine: Any, action: str, tag: str) -> None:
        # In the app's loop, not a thread: the engine's per-app asyncio lock must stay on one loop.
        try:
            value, error = await serve_report(engine, action), None
        except Exception as exc:  # shown in the status line like any failed call
            value, error = None, exc
        self.post_message(EngineCallDone(tag, value, error, {}))

    # --- the service's own log -------------------------------------------------------------------
    def _follow_log(self, report: ServiceReport) -> None:
        """While the service runs, new lines of its supervisor log (worker loops included) go to the page's
        log pane, unless another operation is streaming there."""
        if not report.active or not report.log_path:
            self._log_follow = None
            return
        if self._log_follow is None or self._log_follow[0] != report.log_path or report.action != "status":
            self._log_follow = (report.log_path, report.log_offset)
        page = self._page()
        if self._log_reading or page is None or page.current is not None:
            return
        self._log_reading = True
        self.app.call_engine("service-log", read_log, *self._log_follow, reply_to=self)  # type: ignore[attr-defined]

    def _log_read(self, message: EngineCallDone) -> None:
        self._log_reading = False
        if not message.ok or self._log_follow is None:
            return
        lines, offset = message.value
        self._log_follow = (self._log_follow[0], offset)
        page = self._page()
        if lines and page is not None and page.current is None:
            redact = self.app.redact  # type: ignore[attr-defined]
            page.service_log_lines([redact(line) for line in lines])

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        action = (event.button.id or "").removeprefix("btn-service-")
        if action in ACTIONS:
            event.stop()
            self.action_service(action)

    @on(EngineCallDone)
    def _done(self, message: EngineCallDone) -> None:
        if not message.tag.startswith("service-"):
            return
        message.stop()
        if message.tag == "service-log":
            self._log_read(message)
            return
        if message.tag == "service-poll":
            self._poll_in_flight = False
            self.polls += 1
        else:
            self.pending_action = ""
        if not message.ok:
            self.set_status(f"✗ {message.tag.removeprefix('service-')} failed: "
                             f"{self.app.redact(str(message.error))}", ok=False)  # type: ignore[attr-defined]
            return
        self.show_report(message.value)

    # --- rendering --------------------------------------------------------------------------------
    def show_report(self, report: ServiceReport) -> None:
        self.report = report
        if not self.display or self.region.area == 0:
            # Hidden (another section or page is shown): redrawing it would only cost the frame that is on
            # screen a relayout. The log keeps being followed; the table and texts are drawn on show.
            self._unshown = report
            self._set_polling(False)
            self._follow_log(report)
            return
        payload = report.payload
        counts = (f"healthy {payload.get('workers_healthy_count', 0)} · "
                  f"unhealthy {payload.get('workers_unhealthy_count', 0)} · "
                  f"restarted {payload.get('workers_restarted_count', 0)}")
        self.set_status(f"● {report.status} · {counts}",
                         ok=None if report.status in ("stopped", "idle") else report.status == "running")
        gate = self.query_one("#service-gate", Static)
        gate.update(gate_text(report))
        gate.set_class(report.gate_code == 0, "-ok")
        gate.set_class(report.gate_code != 0, "-error")
        redact = self.app.redact  # type: ignore[attr-defined]
        self.query_one("#service-path", Static).update(f"health.json: {redact(report.health_path)}")
        self._fill(report.rows)
        self._set_polling(report.active and self.display)
        self._follow_log(report)

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one("#service-health", DataTable)
        keys = [str(r.get("worker")) for r in rows]
        if [k.value for k in table.rows] != keys:
            table.clear()
            for key, row in zip(keys, rows, strict=True):
                table.add_row(*self._cells(row), key=key)
            return
        for key, row in zip(keys, rows, strict=True):
            for column, value in zip(COLUMNS, self._cells(row), strict=True):
                table.update_cell(key, column, value, update_width=True)

    def _cells(self, row: dict[str, Any]) -> tuple[str, ...]:
        age = row.get("heartbeat_age_sec")
        # Ages change every second: hidden in test mode so screenshots stay stable.
        age_text = "-" if age is None else f"{clock_of(self).measured(age):.1f}"
        return (str(row.get("worker")), "✓ yes" if row.get("healthy") else "✗ no", str(row.get("reason") or ""),
                str(row.get("future_state", "")), str(row.get("heartbeat_state", "")), age_text)

