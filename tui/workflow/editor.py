"""The stage editor: description (D), question (Q), Python code (C) and execution environment (E).

The code is read-only for imported (locked) stages and for template stages, whose Python is rendered from
their structured payload; a notice on the code editor's border says which case applies and why.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, TextArea

from tui.workflow.lab import StageInfo

DEFAULT_ENV = "default"
VENV = "venv"


def notice_for(info: StageInfo | None) -> tuple[str, str]:
    """The notice line and its CSS class for a stage (None is the unsaved new stage)."""
    if info is None:
        return "New stage: write code or a question, then Save (ctrl+s).", "-new"
    number = f"Stage {info.index + 1}"
    if info.locked:
        source = info.value("_orchestrate_snippet_source") or "ORCHESTRATE"
        return f"{number} · read-only, imported from {source}; re-import it to change the code.", "-locked"
    if info.code_error:
        return f"{number} · template cannot render: {info.code_error}", "-outdated"
    if info.app_stale:
        return f"{number} · {info.app_stale} (ctrl+t previews the refresh).", "-outdated"
    if info.status == "outdated":
        return f"{number} · template outdated: {info.reason} (ctrl+t).", "-outdated"
    if info.template:
        template = info.value("template_id")
        return f"{number} · template {template} ({info.badge}); its Python is rendered, read-only.", "-template"
    runtime = info.value("R") or "runpy"
    return f"{number} · raw Python · {runtime}", ""


class StageEditor(Vertical):
    """Editable fields of one stage; the owner reads :meth:`values` to save."""

    DEFAULT_CSS = """
    StageEditor {
        height: 1fr;
        #stage-code {
            height: 1fr;
            min-height: 3;
            border: round $panel;
            border-title-color: $text-muted;
            &:focus { border: round $primary; }
        }
        &.-locked #stage-code { border-title-color: $accent; }
        &.-outdated #stage-code { border-title-color: $warning; }
        &.-new #stage-code { border-title-color: $success; }
        .field-row { height: 1; }
        .field-row Label { width: 12; color: $text-muted; }
        .field-row Input { width: 1fr; }
        #env-select { width: 30; }
        #stage-env.-invalid { color: $error; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._info: StageInfo | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label("Description")
            yield Input(placeholder="D: what this stage does", id="stage-d", compact=True)
        with Horizontal(classes="field-row"):
            yield Label("Question")
            yield Input(placeholder="Q: the question or prompt behind it", id="stage-q", compact=True)
        yield TextArea.code_editor(language="python", id="stage-code", soft_wrap=False)
        with Horizontal(classes="field-row", id="env-row"):
            yield Label("Environment")
            yield Select([("default product environment", DEFAULT_ENV), ("virtual environment", VENV)],
                         value=DEFAULT_ENV, allow_blank=False, compact=True, id="env-select")
            yield Input(placeholder="venv path (must contain bin/python)", id="stage-env", compact=True)

    def on_mount(self) -> None:
        self.query_one("#stage-env", Input).display = False

    @property
    def code(self) -> TextArea:
        return self.query_one("#stage-code", TextArea)

    def show(self, info: StageInfo | None, pending: dict[str, str] | None = None) -> None:
        """Load a saved stage (or the new-stage draft when None), restoring unsaved ``pending`` values."""
        self._info = info
        saved = {"D": info.value("D"), "Q": info.value("Q"), "C": info.code, "E": info.value("E")} if info else {
            "D": "", "Q": "", "C": "", "E": ""}
        values = {**saved, **(pending or {})}
        self.query_one("#stage-d", Input).value = values["D"]
        self.query_one("#stage-q", Input).value = values["Q"]
        code = self.code
        code.read_only = info is not None and not info.code_editable
        if code.text != values["C"]:
            code.load_text(values["C"])
        env = values["E"].strip()
        self.query_one("#env-select", Select).value = VENV if env else DEFAULT_ENV
        env_input = self.query_one("#stage-env", Input)
        env_input.value = env
        env_input.display = bool(env)
        env_input.remove_class("-invalid")
        notice, css_class = notice_for(info)
        # The notice rides on the code editor's border so the editor keeps every row on 80x24.
        code.border_title = notice
        for name in ("-locked", "-outdated", "-new", "-template"):
            self.set_class(name == css_class, name)

    def values(self) -> dict[str, str]:
        """What the fields hold now; C only when the code is editable."""
        values = {"D": self.query_one("#stage-d", Input).value, "Q": self.query_one("#stage-q", Input).value}
        if self._info is None or self._info.code_editable:
            values["C"] = self.code.text
        use_venv = self.query_one("#env-select", Select).value == VENV
        values["E"] = self.query_one("#stage-env", Input).value.strip() if use_venv else ""
        return values

    def changes(self) -> dict[str, Any]:
        """The keys whose value differs from the saved stage (every non-empty field for a new stage)."""
        values = self.values()
        if self._info is None:
            return {key: value for key, value in values.items() if value.strip()}
        saved = {"D": self._info.value("D"), "Q": self._info.value("Q"), "C": self._info.code,
                 "E": self._info.value("E")}
        changed: dict[str, Any] = {key: value for key, value in values.items() if value != saved[key]}
        # A template stage keeps its payload's question in step with AGILab's Q.
        if "Q" in changed and self._info.template and "question" in self._info.stage:
            changed["question"] = changed["Q"]
        return changed

    def mark_env_invalid(self, invalid: bool) -> None:
        self.query_one("#stage-env", Input).set_class(invalid, "-invalid")

    @on(Select.Changed, "#env-select")
    def _env_kind_changed(self, event: Select.Changed) -> None:
        env_input = self.query_one("#stage-env", Input)
        env_input.display = event.value == VENV
        if event.value == VENV and self.has_focus_within:
            env_input.focus()
