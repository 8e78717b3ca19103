"""Editing a DAG plan without raw JSON: Steps (add/remove), Creates (a step's outputs), Uses (later steps
using earlier outputs), plus Check, Save as workspace plan and Show generated JSON.

The form only collects choices and posts :class:`DagEdit` / :class:`DagCommand`; the panel applies them
to the plan draft through the engine (which refuses inconsistent edits) and sends back the new choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select


@dataclass
class DagEdit(Message):
    """Apply ``operation`` (``add_step``, ``remove_step``, ``add_created``…) with ``values`` to the draft."""

    operation: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class DagCommand(Message):
    """A plan-wide action chosen in the editor: ``check``, ``save`` or ``json``."""

    name: str


def _value(select: Select[str]) -> str:
    return "" if select.value is Select.NULL else str(select.value)


class DagEditor(Vertical):
    """The Steps / Creates / Uses form."""

    DEFAULT_CSS = """
    DagEditor {
        height: auto;
        Label { color: $text-muted; margin-top: 1; }
        Horizontal { height: auto; }
        Input { width: 1fr; }
        Select { width: 1fr; }
        Button { min-width: 8; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Label("Steps: app-level steps of the plan (command argv, or empty to run the app)")
        with Horizontal():
            yield Input(placeholder="step id", id="edit-step-id")
            yield Select[str]([], prompt="app", id="edit-step-app")
            yield Input(placeholder="command, e.g. python -m pkg.mod", id="edit-step-command")
            yield Button("Add step", id="edit-add-step", compact=True)
        with Horizontal():
            yield Select[str]([], prompt="step to remove", id="edit-step")
            yield Button("Remove step", id="edit-remove-step", compact=True)
        yield Label("Creates: outputs produced by a step (path under the data share)")
        with Horizontal():
            yield Select[str]([], prompt="step", id="edit-created-step")
            yield Input(placeholder="artifact id", id="edit-artifact-id")
            yield Input(placeholder="path", id="edit-artifact-path")
            yield Button("Add", id="edit-add-created", compact=True)
            yield Button("Remove", id="edit-remove-created", compact=True)
        yield Label("Uses: which later steps use earlier outputs")
        with Horizontal():
            yield Select[str]([], prompt="step", id="edit-use-step")
            yield Select[str]([], prompt="artifact", id="edit-use-artifact")
            yield Button("Add", id="edit-add-use", compact=True)
            yield Button("Remove", id="edit-remove-use", compact=True)
        with Horizontal():
            yield Button("Check plan", id="edit-check", compact=True)
            yield Button("Save as workspace plan", id="edit-save", compact=True)
            yield Button("Show JSON", id="edit-json", compact=True)

    def set_choices(self, steps: list[str], apps: list[str], artifacts: list[tuple[str, str]]) -> None:
        """Refresh the selects from the plan: its step ids, the workspace apps, and (artifact, creator) pairs."""
        step_options = [(s, s) for s in steps]
        for select_id in ("#edit-step", "#edit-created-step", "#edit-use-step"):
            select = self.query_one(select_id, Select)
            kept = _value(select)
            select.set_options(step_options)
            if kept in steps:
                select.value = kept
        app_select = self.query_one("#edit-step-app", Select)
        kept_app = _value(app_select)
        app_select.set_options([(a, a) for a in apps])
        if kept_app in apps:
            app_select.value = kept_app
        artifact_select = self.query_one("#edit-use-artifact", Select)
        kept_artifact = _value(artifact_select)
        artifact_select.set_options([(f"{a} (by {s})", a) for a, s in artifacts])
        if kept_artifact in {a for a, _ in artifacts}:
            artifact_select.value = kept_artifact

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        text = {key: self.query_one(f"#{key}", Input).value.strip()
                for key in ("edit-step-id", "edit-step-command", "edit-artifact-id", "edit-artifact-path")}
        selected = {key: _value(self.query_one(f"#{key}", Select))
                    for key in ("edit-step-app", "edit-step", "edit-created-step", "edit-use-step",
                                "edit-use-artifact")}
        if button == "edit-add-step":
            self.post_message(DagEdit("add_step", {"step_id": text["edit-step-id"], "app": selected["edit-step-app"],
                                                   "command": text["edit-step-command"]}))
        elif button == "edit-remove-step":
            self.post_message(DagEdit("remove_step", {"step_id": selected["edit-step"]}))
        elif button in ("edit-add-created", "edit-remove-created"):
            values = {"step_id": selected["edit-created-step"], "artifact_id": text["edit-artifact-id"]}
            if button == "edit-add-created":
                values.update(kind="file", path=text["edit-artifact-path"])
            self.post_message(DagEdit(button.removeprefix("edit-").replace("-", "_"), values))
        elif button in ("edit-add-use", "edit-remove-use"):
            self.post_message(DagEdit(button.removeprefix("edit-").replace("-", "_"),
                                      {"step_id": selected["edit-use-step"],
                                       "artifact_id": selected["edit-use-artifact"]}))
        elif button in ("edit-check", "edit-save", "edit-json"):
            self.post_message(DagCommand(button.removeprefix("edit-")))
