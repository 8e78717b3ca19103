"""Assistant settings: model, base URL, and the API key entry (saved 0600, never displayed back)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from tui.messages import EngineCallDone
from tui.workflow.assistant import data as assistant_data


@dataclass
class KeyStatusChanged(Message):
    """Whether a usable key exists now, and where it comes from."""

    present: bool
    source: str


class AssistantSettingsForm(Vertical):
    """Model and endpoint fields plus a password entry for the key."""

    DEFAULT_CSS = """
    AssistantSettingsForm {
        height: auto;
        Label { color: $text-muted; }
        Horizontal { height: auto; }
        Input { width: 1fr; }
        #key-status { color: $text-muted; }
        #key-status.-error { color: $error; }
    }
    """

    def compose(self) -> ComposeResult:
        from engine.assistant.client import DEFAULT_MODEL

        yield Label("Model")
        yield Input(placeholder=f"{DEFAULT_MODEL} (default, or $OPENAI_MODEL)", id="assistant-model")
        yield Label("Base URL")
        yield Input(placeholder="OpenAI's API (default, or $OPENAI_BASE_URL)", id="assistant-base-url")
        yield Button("Save settings", id="assistant-save-settings")
        yield Label("API key")
        with Horizontal():
            yield Input(password=True, placeholder="paste a key; stored 0600 in the workspace, never shown",
                        id="assistant-key")
            yield Button("Save key", id="assistant-save-key")
        yield Static("", id="key-status")

    def on_mount(self) -> None:
        self.app.call_engine("assistant-settings", assistant_data.read_settings, self.app.engine, reply_to=self)
        self.refresh_key_status()

    @property
    def model(self) -> str:
        return self.query_one("#assistant-model", Input).value.strip()

    @property
    def base_url(self) -> str:
        return self.query_one("#assistant-base-url", Input).value.strip()

    def refresh_key_status(self) -> None:
        from engine.assistant import api_key_status

        self.app.call_engine("assistant-key-status", api_key_status, self.app.engine.workspace, reply_to=self)

    def save_settings(self) -> None:
        self.app.call_engine("assistant-save-settings", assistant_data.write_settings, self.app.engine,
                             self.model, self.base_url, reply_to=self)

    def save_key(self) -> None:
        from engine.assistant import save_api_key

        key_input = self.query_one("#assistant-key", Input)
        key, key_input.value = key_input.value, ""  # the key leaves the screen at once
        self.app.call_engine("assistant-save-key", save_api_key, self.app.engine.workspace, key, reply_to=self)

    @on(Button.Pressed, "#assistant-save-settings")
    def _save_settings_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.save_settings()

    @on(Button.Pressed, "#assistant-save-key")
    def _save_key_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.save_key()

    @on(Input.Submitted, "#assistant-key")
    def _key_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save_key()

    def on_engine_call_done(self, message: EngineCallDone) -> None:
        status = self.query_one("#key-status", Static)
        if message.tag == "assistant-settings" and message.ok:
            model, base_url = message.value
            self.query_one("#assistant-model", Input).value = model
            self.query_one("#assistant-base-url", Input).value = base_url
        elif message.tag == "assistant-save-settings":
            if message.ok:
                self.notify("Assistant settings saved", timeout=3)
            else:
                self.notify(f"Settings not saved: {_first_line(message.error)}", severity="error")
        elif message.tag == "assistant-save-key":
            if message.ok:
                self.notify("API key saved (file mode 0600)", timeout=3)
                self.refresh_key_status()
            else:
                status.update(self.app.redact(f"Key not saved: {message.error}"))  # type: ignore[attr-defined]
                status.add_class("-error")
        elif message.tag == "assistant-key-status" and message.ok:
            info = message.value
            status.set_class(bool(info.problem), "-error")
            if info.present:
                status.update(f"API key: available ({info.source})")
            else:
                status.update(self.app.redact(info.problem)  # type: ignore[attr-defined]
                              if info.problem else "API key: none. The offline action builder works without one.")
            self.post_message(KeyStatusChanged(info.present, info.source or ""))


def _first_line(error: BaseException | None) -> str:
    return str(error).splitlines()[0] if error else ""
