"""ASSISTANT: ask for a Safe Actions contract (or an advanced Python snippet), review it, save it as a stage.

The request runs as an App worker (so it outlives a recomposed pane) and can be cancelled with escape;
its answer comes back as a message. Dataframe reads, previews and saves go through ``app.call_engine``.
Without an API key the offline action builder produces the same contract from a form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Collapsible, Input, LoadingIndicator, Select, Static

from tui.messages import ActiveAppChanged, EngineCallDone
from tui.page import PaletteCommand
from tui.workflow.assistant import data
from tui.workflow.assistant.builder import AssistantBuilder, ContractBuilt
from tui.workflow.assistant.result import AssistantResultView as ResultView
from tui.workflow.assistant.settings import AssistantSettingsForm, KeyStatusChanged

if TYPE_CHECKING:
    from textual.worker import Worker

    from engine.assistant import AssistantResult

SAFE_ACTIONS, PYTHON_SNIPPET = "safe_actions", "python_snippet"
MODES = [("Safe actions", SAFE_ACTIONS), ("Python snippet (advanced)", PYTHON_SNIPPET)]


@dataclass
class AnswerReady(Message, bubble=False):
    request: int
    result: AssistantResult


@dataclass
class AnswerFailed(Message, bubble=False):
    request: int
    error: BaseException


@dataclass
class StageSaved(Message):
    """A stage was appended to ``lab_stages.toml`` (the WORKFLOW page may refresh its stage list)."""

    path: str
    index: int


class AssistantPanel(VerticalScroll):
    """Prompt, request status, offline builder, result with preview, and settings."""

    DEFAULT_CSS = """
    AssistantPanel {
        height: 1fr;
        padding: 0 1;
        #assistant-frame { color: $text-muted; }
        #assistant-row { height: auto; }
        #assistant-mode { width: 32; }
        #assistant-prompt { width: 1fr; }
        #assistant-busy { height: auto; display: none; }
        #assistant-spinner { height: 1; width: 6; }
        &.-busy #assistant-busy { display: block; }
        #assistant-message { color: $text-muted; }
        #assistant-message.-error { color: $error; }
        #assistant-message.-warning { color: $warning; }
        #assistant-save { display: none; margin-top: 1; }
        &.-has-result #assistant-save { display: block; }
        Collapsible { padding-left: 0; }
    }
    """

    BINDINGS = [
        Binding("ctrl+r", "ask", "Ask", id="assistant.ask", tooltip="Send the prompt with the dataframe's schema"),
        Binding("escape", "cancel", "Cancel", id="assistant.cancel", tooltip="Cancel the running request"),
        Binding("ctrl+s", "save_stage", "Save stage", id="assistant.save_stage",
                tooltip="Add the contract as a Safe Actions stage in lab_stages.toml"),
        Binding("ctrl+b", "toggle_builder", "Builder", show=False, id="assistant.builder",
                tooltip="Open or close the offline action builder"),
    ]

    busy: reactive[bool] = reactive(False, bindings=True)
    """A request is in flight (the spinner shows, Ask is disabled, escape cancels)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._frame: data.CurrentFrame | None = None
        self._request = 0
        self._worker: Worker[None] | None = None
        self._contract: dict[str, Any] | None = None
        self._snippet: AssistantResult | None = None
        self._question = ""
        self._model = ""

    def compose(self) -> ComposeResult:
        yield Static("Dataframe: loading…", id="assistant-frame")
        with Horizontal(id="assistant-row"):
            yield Select(MODES, value=SAFE_ACTIONS, allow_blank=False, id="assistant-mode")
            yield Button("Ask", id="assistant-ask", variant="primary")
            yield Button("Cancel", id="assistant-cancel")
        yield Input(placeholder="Describe the transformation, then Enter", id="assistant-prompt")
        with Horizontal(id="assistant-busy"):
            yield LoadingIndicator(id="assistant-spinner")
            yield Static("Asking the model… escape cancels")
        yield Static("", id="assistant-message")
        with Collapsible(title="Offline action builder (no API key needed)", id="assistant-builder-box"):
            yield AssistantBuilder(id="assistant-builder")
        yield ResultView(id="assistant-result")
        yield Button("Save as stage", id="assistant-save", variant="success")
        with Collapsible(title="Assistant settings and API key", id="assistant-settings-box"):
            yield AssistantSettingsForm(id="assistant-settings")

    def on_mount(self) -> None:
        self.reload()

    # --- public API used by the WORKFLOW page ----------------------------------------------------
    def reload(self) -> None:
        """Re-read the active app's current dataframe (schema, preview source)."""
        self.app.call_engine("assistant-frame", data.load_current_frame, self.app.engine,
                             self.app.engine.active_app().name, reply_to=self)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("assistant: ask", "Send the prompt to the model", self.action_ask),
            PaletteCommand("assistant: cancel request", "Stop the request in flight", self.action_cancel),
            PaletteCommand("assistant: save as stage", "Append the contract to lab_stages.toml",
                           self.action_save_stage),
            PaletteCommand("assistant: add action", "Add the builder form's action", self._add_action),
            PaletteCommand("assistant: remove action", "Remove the highlighted builder action",
                           self._remove_action),
            PaletteCommand("assistant: open builder", "Show the offline action builder", self.action_toggle_builder),
            PaletteCommand("assistant: safe actions mode", "Ask for a validated contract",
                           lambda: self._set_mode(SAFE_ACTIONS)),
            PaletteCommand("assistant: python snippet mode", "Ask for raw code (advanced, never run)",
                           lambda: self._set_mode(PYTHON_SNIPPET)),
            PaletteCommand("assistant: reload dataframe", "Re-read lab_out.csv or the app's output", self.reload),
            PaletteCommand("assistant: settings", "Model, base URL and API key", self._open_settings),
        ]

    # --- actions --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.busy
        if action == "ask":
            return not self.busy
        return True

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        self.query_one("#assistant-ask", Button).disabled = busy
        self.query_one("#assistant-cancel", Button).disabled = not busy

    def action_ask(self) -> None:
        from engine.assistant import AssistantSettings

        if self.busy:
            return
        question = self.query_one("#assistant-prompt", Input).value.strip()
        if not question:
            self._say("Write a request in the prompt first.", "error")
            return
        form = self.query_one(AssistantSettingsForm)
        try:
            settings = AssistantSettings(**{k: v for k, v in (("model", form.model), ("base_url", form.base_url))
                                            if v})
        except ValueError as exc:
            self._say(f"Invalid assistant settings: {exc}", "error")
            return
        mode = self.query_one("#assistant-mode", Select).value
        self._request += 1
        self.busy = True
        self._say(f"Asking {settings.model} ({'Python snippet' if mode == PYTHON_SNIPPET else 'Safe actions'})…")
        schema = self._frame.schema if self._frame else None
        self._worker = self.app.run_worker(self._ask(self._request, settings, question, schema, str(mode)),
                                           group="assistant", exit_on_error=False)

    async def _ask(self, request: int, settings: Any, question: str, schema: Any, mode: str) -> None:
        from engine.assistant import AssistantError, ask_python_snippet, ask_safe_actions

        ask = ask_python_snippet if mode == PYTHON_SNIPPET else ask_safe_actions
        try:
            result = await ask(settings, question, schema, workspace=self.app.engine.workspace)
        except AssistantError as exc:
            self.post_message(AnswerFailed(request, exc))
            return
        self.post_message(AnswerReady(request, result))

    def action_cancel(self) -> None:
        if not self.busy:
            return
        if self._worker is not None:
            self._worker.cancel()
        self._request += 1  # an answer still on its way is ignored
        self.busy = False
        self._say("Request cancelled; nothing was changed.", "warning")

    def action_save_stage(self) -> None:
        engine, app_name = self.app.engine, self.app.engine.active_app().name
        if self._contract is not None:
            schema = self._frame.schema if self._frame else None
            self.app.call_engine("assistant-save", data.save_contract_stage, engine, app_name, self._contract,
                                 schema, self._question, self._model, reply_to=self)
        elif self._snippet is not None:
            self.app.call_engine("assistant-save", data.save_snippet_stage, engine, app_name, self._snippet,
                                 reply_to=self)
        else:
            self._say("Nothing to save yet: ask the assistant or build actions first.", "error")

    def action_toggle_builder(self) -> None:
        box = self.query_one("#assistant-builder-box", Collapsible)
        box.collapsed = not box.collapsed
        if not box.collapsed:
            self.call_after_refresh(self.query_one("#builder-action", Select).focus)

    def _add_action(self) -> None:
        self.query_one("#assistant-builder-box", Collapsible).collapsed = False
        self.query_one(AssistantBuilder).add_current_action()

    def _remove_action(self) -> None:
        self.query_one(AssistantBuilder).remove_selected()

    def _set_mode(self, mode: str) -> None:
        self.query_one("#assistant-mode", Select).value = mode

    def _open_settings(self) -> None:
        self.query_one("#assistant-settings-box", Collapsible).collapsed = False
        self.call_after_refresh(self.query_one("#assistant-model", Input).focus)

    # --- messages -------------------------------------------------------------------------------
    @on(Input.Submitted, "#assistant-prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ask()

    @on(Button.Pressed, "#assistant-ask")
    def _ask_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_ask()

    @on(Button.Pressed, "#assistant-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Button.Pressed, "#assistant-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save_stage()

    def on_answer_ready(self, message: AnswerReady) -> None:
        if message.request != self._request:
            return
        self.busy = False
        result = message.result
        if result.contract is not None:
            self._show_contract(result.contract, result.code, result.question, result.model, f"from {result.model}")
            return
        self._contract, self._snippet = None, result
        self.query_one(ResultView).show_snippet(result.code, result.model)
        self.add_class("-has-result")
        self._say("Python snippet received: review it; it is saved only when you choose Save as stage.", "warning")

    def on_answer_failed(self, message: AnswerFailed) -> None:
        if message.request != self._request:
            return
        self.busy = False
        self._say(f"{data.error_label(message.error)}: {message.error} The stage is unchanged.", "error")

    @on(ContractBuilt)
    def _contract_built(self, message: ContractBuilt) -> None:
        from engine.assistant import render_pandas_code

        self._show_contract(message.contract, render_pandas_code(message.contract), "", "", "offline builder")

    def _show_contract(self, contract: dict[str, Any], code: str, question: str, model: str, origin: str) -> None:
        self._contract, self._snippet = contract, None
        self._question, self._model = question, model
        self.query_one(ResultView).show_contract(contract, code, origin=origin)
        self.add_class("-has-result")
        self._say("Contract ready: check the preview, then Save as stage (ctrl+s).")
        frame = self._frame.frame if self._frame else None
        self.app.call_engine("assistant-preview", data.preview_contract, frame, contract, reply_to=self,
                             context={"contract": contract})

    def on_engine_call_done(self, message: EngineCallDone) -> None:
        if message.tag == "assistant-frame":
            self._frame_loaded(message)
        elif message.tag == "assistant-preview" and message.context.get("contract") is self._contract:
            self._preview_done(message)
        elif message.tag == "assistant-save":
            if message.ok:
                saved: data.SavedStage = message.value
                self._say(f"Saved as stage {saved.index + 1} of {saved.count} in "
                          f"{self.app.redact(str(saved.path))}.")
                self.post_message(StageSaved(str(saved.path), saved.index))
            else:
                self._say(f"Not saved: {message.error}", "error")

    def _frame_loaded(self, message: EngineCallDone) -> None:
        frame: data.CurrentFrame | None = message.value if message.ok else None
        self._frame = frame
        label = self.query_one("#assistant-frame", Static)
        if frame is None or frame.path is None:
            label.update("Dataframe: none yet (run a stage first); the builder works without one.")
        elif frame.error or frame.schema is None:
            label.update(f"Dataframe unreadable: {self.app.redact(frame.error)}")
        else:
            rows = frame.schema.row_count
            label.update(f"Dataframe: {self.app.redact(str(frame.path))} — "
                         f"{rows if rows is not None else '?'} rows × {len(frame.dtypes)} columns"
                         + (" (first rows only)" if frame.sampled else ""))
        dtypes = frame.dtypes if frame is not None and frame.schema is not None else None
        self.run_worker(self.query_one(AssistantBuilder).set_schema(dtypes), group="assistant-ui")

    def _preview_done(self, message: EngineCallDone) -> None:
        view = self.query_one(ResultView)
        if not message.ok:
            view.show_preview(None, f"Preview failed: {message.error}")
        elif self._frame is None or self._frame.frame is None:
            view.show_preview(None, "No preview: no dataframe has been produced yet.")
        else:
            preview: data.Preview = message.value
            view.show_preview(preview, f"First {len(preview.rows)} of {preview.total_rows} rows after the actions"
                              + (" (on the file's first rows)" if self._frame.sampled else ""))

    @on(KeyStatusChanged)
    def _key_status(self, message: KeyStatusChanged) -> None:
        # Without a key the builder is the way forward, so it opens by itself.
        if not message.present:
            self.query_one("#assistant-builder-box", Collapsible).collapsed = False

    def on_active_app_changed(self, message: ActiveAppChanged) -> None:
        self._contract = self._snippet = None
        self.query_one(ResultView).clear()
        self.remove_class("-has-result")
        self.reload()

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#assistant-message", Static)
        message.update(text)
        message.set_class(level == "error", "-error")
        message.set_class(level == "warning", "-warning")

