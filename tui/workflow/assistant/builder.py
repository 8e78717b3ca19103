"""The offline action builder: a Safe Actions contract built from a form, with no model and no API key.

The form is generated from the action catalog (``ACTION_CATALOG``/``action_spec``): column fields become
Selects or SelectionLists of the columns the action will see (``columns_at``), choices become Selects,
everything else an Input read by ``build_action``. Every edit goes through the engine builder, which returns
a new validated contract or raises, so a failed edit leaves the contract unchanged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static

_COLUMN_KINDS = ("column", "columns")


@dataclass
class ContractBuilt(Message):
    """The builder's contract changed (an action was added or removed)."""

    contract: dict[str, Any]


class AssistantBuilder(Vertical):
    """Pick an action, fill its fields, add it; remove actions from the list below."""

    DEFAULT_CSS = """
    AssistantBuilder {
        height: auto;
        #builder-row { height: auto; }
        #builder-action { width: 1fr; }
        #builder-fields { height: auto; }
        .builder-field { height: auto; }
        .builder-field Label { color: $text-muted; }
        .builder-field SelectionList { height: auto; max-height: 6; }
        #builder-actions { height: auto; max-height: 8; }
        #builder-message { color: $text-muted; }
        #builder-message.-error { color: $error; }
        Button { min-width: 10; }
    }
    """

    BINDINGS = [
        Binding("delete", "remove_action", "Remove action", show=False, id="assistant.remove_action",
                tooltip="Remove the highlighted action from the built contract"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.contract: dict[str, Any] = _empty()
        """The contract built so far (always valid against ``dtypes``)."""
        self.dtypes: dict[str, str] | None = None
        """Columns of the current dataframe; None when none is loaded (column checks are skipped)."""
        # Field rendering awaits remove/mount; two renders interleaving would leave duplicate fields.
        self._render_lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        from engine.assistant import ACTION_CATALOG

        with Horizontal(id="builder-row"):
            yield Select([(spec.label, spec.name) for spec in ACTION_CATALOG], prompt="Action",
                         allow_blank=False, value=ACTION_CATALOG[0].name, id="builder-action")
            yield Button("Add action", id="builder-add")
            yield Button("Remove", id="builder-remove")
        yield Vertical(id="builder-fields")
        yield Static("", id="builder-message")
        yield OptionList(id="builder-actions")

    async def on_mount(self) -> None:
        await self._render_fields()
        self._render_actions()

    # --- public --------------------------------------------------------------------------------
    async def set_schema(self, dtypes: dict[str, str] | None) -> None:
        """Use a new dataframe's columns; a contract that no longer fits them starts over."""
        from engine.assistant import ContractError, validate_contract

        self.dtypes = dtypes
        try:
            validate_contract(self.contract, dtypes)
        except ContractError:
            self.contract = _empty()
            self._render_actions()
        await self._render_fields()

    @property
    def action_name(self) -> str:
        value = self.query_one("#builder-action", Select).value
        return str(value) if value is not Select.NULL else ""

    def field_values(self) -> dict[str, Any]:
        """The form's current values by contract key (text, a column, or a list of columns)."""
        values: dict[str, Any] = {}
        for widget in self.query_one("#builder-fields").query(".field-input"):
            name = str(widget.name)
            if isinstance(widget, Select):
                values[name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, SelectionList):
                values[name] = list(widget.selected)
            elif isinstance(widget, Input):
                values[name] = widget.value
        return values

    def add_current_action(self) -> bool:
        """Build the form's action and append it; on error say which field is wrong and change nothing."""
        from engine.assistant import ContractError, add_action, build_action, columns_at

        try:
            available = columns_at(self.contract, self.dtypes) if self.dtypes is not None else None
            action = build_action(self.action_name, self.field_values(), available)
            self.contract = add_action(self.contract, action, self.dtypes)
        except ContractError as exc:
            self._say(f"Not added: {exc}", error=True)
            return False
        self._render_actions(select_last=True)
        self._say(f"Added {self.action_name.replace('_', ' ')}; the form shows the columns it leaves.")
        self.post_message(ContractBuilt(self.contract))
        self.call_after_refresh(self._render_fields)
        return True

    def remove_selected(self) -> bool:
        from engine.assistant import ContractError, remove_action

        index = self.query_one("#builder-actions", OptionList).highlighted
        if index is None or not self.contract["actions"]:
            self._say("Highlight an action in the list to remove it.", error=True)
            return False
        try:
            self.contract = remove_action(self.contract, index, self.dtypes)
        except ContractError as exc:
            self._say(f"Not removed: {exc}", error=True)
            return False
        self._render_actions()
        self._say(f"Removed action {index + 1}.")
        self.post_message(ContractBuilt(self.contract))
        self.call_after_refresh(self._render_fields)
        return True

    # --- handlers ------------------------------------------------------------------------------
    @on(Select.Changed, "#builder-action")
    async def _action_changed(self) -> None:
        await self._render_fields()

    @on(Button.Pressed, "#builder-add")
    def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.add_current_action()

    @on(Button.Pressed, "#builder-remove")
    def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.remove_selected()

    def action_remove_action(self) -> None:
        self.remove_selected()

    # --- rendering -----------------------------------------------------------------------------
    async def _render_fields(self) -> None:
        from engine.assistant import action_spec, columns_at

        async with self._render_lock:
            if not self.action_name:
                return
            spec = action_spec(self.action_name)
            columns = list(columns_at(self.contract, self.dtypes)) if self.dtypes is not None else None
            container = self.query_one("#builder-fields", Vertical)
            await container.remove_children()
            await container.mount_all([self._field_row(field, columns) for field in spec.fields])
            self._say(spec.description)

    def _field_row(self, field: Any, columns: list[str] | None) -> Widget:
        label = field.label + ("" if field.required else " (optional)")
        widget: Widget
        if field.kind in _COLUMN_KINDS and columns is not None:
            if field.kind == "column":
                widget = Select([(c, c) for c in columns], prompt=label, name=field.name,
                                classes="field-input")
            else:
                widget = SelectionList[str](*[(c, c) for c in columns], name=field.name, classes="field-input")
        elif field.kind == "choice" or field.kind == "boolean":
            choices = field.choices if field.kind == "choice" else ("true", "false")
            default = field.default if field.kind == "choice" else str(field.default).lower()
            widget = Select([(c, c) for c in choices], allow_blank=False,
                            value=default if default in choices else choices[0], name=field.name,
                            classes="field-input")
        else:
            default = "" if field.default is None else str(field.default)
            widget = Input(default, placeholder=field.help or label, name=field.name, classes="field-input")
        widget.tooltip = field.help or None
        return Vertical(Label(label), widget, classes="builder-field")

    def _render_actions(self, *, select_last: bool = False) -> None:
        from tui.workflow.assistant.data import action_lines

        options = self.query_one("#builder-actions", OptionList)
        options.clear_options()
        if self.contract["actions"]:
            options.add_options(action_lines(self.contract))
            if select_last:
                options.highlighted = len(self.contract["actions"]) - 1

    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#builder-message", Static)
        message.update(text)
        message.set_class(error, "-error")


def _empty() -> dict[str, Any]:
    from engine.assistant import empty_contract

    return empty_contract()
