"""The DAG panel's actions and the handlers of their engine results (the base class of :class:`DagPanel`).

Previews, reruns, resets, edits and saves write files, so they run through ``app.call_engine`` and come
back as ``_done_<tag>``; real runs are operations streamed by ``app.run_operation``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Collapsible, Input, Log, Select, Static, TextArea

from tui.workflow.dag.session import DISTRIBUTED, DagSession
from tui.workflow.dag.table import DagTable

if TYPE_CHECKING:
    from engine.dag import PlanEntry
    from engine.operation import Operation

_RUN_ACTIONS = {"run_ready", "run_next", "retry", "preview_next", "rerun_from", "reset_preview", "reset_state"}


class DagActions(VerticalScroll):
    """Actions of the DAG panel (bindings, buttons and palette commands all land here)."""

    running: reactive[bool] = reactive(False, bindings=True)
    """A real run (an engine operation) is in progress."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: DagSession | None = None
        """The plan on screen, with its draft, check and runner."""
        self._operation: Operation | None = None
        self._opening = ""
        """The plan file an open request is pending for: one runner per plan at a time, never two racing."""

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#dag-message", Static)
        message.update(self.app.redact(text))  # type: ignore[attr-defined]
        message.set_class(error, "-error")

    def _app_name(self) -> str:
        return str(self.app.engine.active_app().name)  # type: ignore[attr-defined]

    # --- availability ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return self.running
        if action in _RUN_ACTIONS:
            return not self.running
        return True

    def watch_running(self, running: bool) -> None:
        for button in self.query("#dag-buttons Button"):
            button.disabled = running

    def _refuse_without_session(self) -> bool:
        if self.session is None:
            self.say("No plan loaded: pick a source and a plan first.", error=True)
            return True
        return False

    def _refuse_while_running(self, what: str) -> bool:
        if self.running:
            self.say(f"Cannot {what} while steps are running (escape cancels).", error=True)
            return True
        return False

    def _call(self, tag: str, fn: Any, *args: Any, **context: Any) -> None:
        self.app.call_engine(f"dag-{tag}", fn, *args, reply_to=self, context=context)

    # --- plan actions --------------------------------------------------------------------------------
    def action_check_plan(self) -> None:
        if not self._refuse_without_session():
            assert self.session is not None
            self._call("check", self.session.recheck)

    def action_save_plan(self, overwrite: bool = False) -> None:
        if not self._refuse_without_session() and not self._refuse_while_running("save the plan"):
            assert self.session is not None
            self._call("save", self.session.save_workspace, overwrite)

    def action_show_json(self) -> None:
        if self._refuse_without_session():
            return
        assert self.session is not None
        self.query_one("#dag-json", TextArea).text = self.session.draft.to_json()
        self.query_one("#dag-json-box", Collapsible).collapsed = False

    def action_export_json(self) -> None:
        path = self.query_one("#dag-export-path", Input).value.strip()
        if self._refuse_without_session():
            return
        if not path:
            self.query_one("#dag-json-box", Collapsible).collapsed = False
            self.say("Type a file path in the export field first.", error=True)
            return
        assert self.session is not None
        self._call("export", self.session.export, path)

    def action_edit_plan(self) -> None:
        self.query_one("#dag-edit-box", Collapsible).collapsed = False

    def action_new_plan(self) -> None:
        if not self._refuse_while_running("start a new plan"):
            self._call("new", DagSession.new, self.app.engine, self._app_name(), "new-plan", "New plan")

    def action_toggle_graph(self) -> None:
        self.toggle_class("-graph")

    def _set_backend(self, name: str) -> None:
        self.query_one("#dag-backend", Select).value = name
        self.set_class(name == DISTRIBUTED, "-distributed")
        if self.session is not None and self.session.backend.name != name:
            self._call("backend", self.session.set_backend, name)

    # --- runner actions -----------------------------------------------------------------------------
    def action_preview_next(self) -> None:
        if not self._refuse_without_session() and not self._refuse_while_running("preview"):
            assert self.session is not None
            self._call("preview", self.session.preview_next)

    def action_reset_preview(self) -> None:
        if not self._refuse_without_session() and not self._refuse_while_running("reset the preview"):
            assert self.session is not None
            self._call("reset_preview", self.session.reset_preview)

    def action_reset_state(self) -> None:
        if not self._refuse_without_session() and not self._refuse_while_running("reset the state"):
            assert self.session is not None
            self._call("reset_state", self.session.reset_state)

    def action_rerun_from(self) -> None:
        step = self.query_one(DagTable).selected_step
        if self._refuse_without_session() or self._refuse_while_running("rerun") or step is None:
            return
        assert self.session is not None
        self._call("rerun", self.session.rerun_from, step)

    def action_run_ready(self) -> None:
        slots_text = self.query_one("#dag-slots", Input).value.strip()
        slots = int(slots_text) if slots_text.isdigit() else 0
        if slots < 1:
            self.say("Slots must be a whole number of at least 1.", error=True)
            return
        self._run(lambda runner: runner.run_ready(slots=slots), f"Running ready steps ({slots} slot(s))…")

    def action_run_next(self) -> None:
        self._run(lambda runner: runner.run_next(), "Running the next ready step…")

    def action_retry(self) -> None:
        step = self.query_one(DagTable).selected_step
        if step is None:
            self.say("Select a failed step in the table to retry it.", error=True)
            return
        self._run(lambda runner: runner.retry(step), f"Retrying {step}…")

    def _run(self, start: Any, text: str) -> None:
        if self._refuse_without_session() or self._refuse_while_running("start another run"):
            return
        assert self.session is not None
        runner = self.session.runner
        if runner is None:
            self.say(self.session.runner_error or "The plan has errors: fix them before running.", error=True)
            return
        if self.session.preview_reason:
            self.say(f"Preview only: {self.session.preview_reason}. Use Preview next, or dag: promote to app "
                     "templates.", error=True)
            return
        if self.session.backend.problem:
            self.say(self.session.backend.problem, error=True)
            return
        operation: Operation = start(runner)
        self._operation = operation
        self.running = True
        self.query_one("#dag-log", Log).clear()
        self.say(text)
        self.app.run_operation(operation, self)

    def action_promote(self) -> None:
        """Copy the plan into the active app's dag_templates/, so it may run for real."""
        if not self._refuse_without_session() and not self._refuse_while_running("promote"):
            assert self.session is not None
            self._call("promote", self.session.promote)

    def action_cancel_run(self) -> None:
        if self._operation is not None:
            self.app.cancel_operation(self._operation)
            self.say("Cancelling…")

    # --- engine results -----------------------------------------------------------------------------
    def _done_list(self, entries: list[PlanEntry], context: dict[str, Any]) -> None:
        if context.get("source") != str(self.query_one("#dag-source", Select).value):
            return  # an older listing, answered after the user picked another source
        plans = self.query_one("#dag-plan", Select)
        usable = [e for e in entries if not e.error]
        plans.set_options([(e.title, str(e.path)) for e in usable])
        broken = [f"{e.path.name}: {e.error}" for e in entries if e.error]
        if broken:
            self.say("Unreadable plans: " + "; ".join(broken), error=True)
        elif not usable:
            self.say("No plan in this source: choose another source, or dag: new plan in the palette.")
        if not usable:
            return
        first = str(usable[0].path)
        if plans.value == first:  # no Changed event follows, so open it here when it is not on screen yet
            self.open_plan(first)
        else:
            plans.value = first

    def open_plan(self, path: str) -> None:
        """Open ``path`` unless it is already on screen or being opened."""
        if path == self._opening or (self.session is not None and str(self.session.path) == path):
            return
        self._opening = path
        self._call("open", DagSession.open, self.app.engine, self._app_name(), path, path=path)

    def _done_open(self, session: DagSession, context: dict[str, Any]) -> None:
        if context.get("path") != str(self.query_one("#dag-plan", Select).value):
            return  # a plan opened after the user moved on to another one
        backend = str(self.query_one("#dag-backend", Select).value)
        self.session = session
        self.query_one("#dag-log", Log).clear()
        self.say("Plan loaded.")
        if backend != session.backend.name:
            self._call("backend", session.set_backend, backend)

    def _done_new(self, session: DagSession, context: dict[str, Any]) -> None:
        self.session = session
        self.query_one("#dag-plan", Select).clear()
        self.action_edit_plan()
        self.say("New plan: add steps, their outputs and uses, then Check and Save.")

    def _done_check(self, check: Any, context: dict[str, Any]) -> None:
        errors = len(check.errors)
        self.say(f"Check: {errors} error(s), {len(check.issues) - errors} warning(s)." if check.issues
                 else "Check: OK.", error=bool(errors))

    def _done_preview(self, step_id: str | None, context: dict[str, Any]) -> None:
        self.say(f"Preview: {step_id} marked completed (no app ran)." if step_id else "No step is ready to preview.")

    def _done_reset_preview(self, reset: list[str], context: dict[str, Any]) -> None:
        self.say(f"Preview reset: {', '.join(reset)}." if reset else "No preview completion to reset.")

    def _done_reset_state(self, _: Any, context: dict[str, Any]) -> None:
        self.say("Runner state reset: every step is planned again.")

    def _done_rerun(self, reset: list[str], context: dict[str, Any]) -> None:
        self.say(f"Partial rerun: {', '.join(reset)} will run again.")

    def _done_backend(self, choice: Any, context: dict[str, Any]) -> None:
        if choice.problem:
            self.say(choice.problem, error=True)

    def _done_edit(self, result: str, context: dict[str, Any]) -> None:
        self.say(f"Edited ({context.get('operation', '').replace('_', ' ')}). " + (f"Dropped: {result}." if result
                 else ""))

    def _done_save(self, path: Any, context: dict[str, Any]) -> None:
        self.say(f"Saved as workspace plan: {path}")

    def _done_promote(self, done: Any, context: dict[str, Any]) -> None:
        marker = " (controlled marker added)" if done.marker_added else ""
        self.say(f"Promoted to {done.app}'s templates: {done.path}{marker}. It now runs for real.")

    def _done_export(self, path: Any, context: dict[str, Any]) -> None:
        self.say(f"Plan JSON exported to {path}")
