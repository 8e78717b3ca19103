"""A form generated from an app's pydantic arguments model, with inline validation errors.

Field types map to widgets: ``bool`` -> Switch, ``Literal``/``Enum`` -> Select, ``int``/``float``/``str``
-> Input (typed, so only valid characters go in). Every change revalidates the whole model and shows
each field's first error under it; saving is the page's job (it posts :class:`ArgsForm.SaveRequested`).
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation


def choices_of(annotation: Any) -> list[Any] | None:
    """The allowed values of a Literal or Enum annotation, else None."""
    annotation = _unwrap_optional(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    return None


def widget_for(name: str, annotation: Any, value: Any) -> Widget:
    """The input widget for one field, pre-filled with ``value``."""
    wid = f"arg-{name}"
    annotation = _unwrap_optional(annotation)
    choices = choices_of(annotation)
    if annotation is bool:
        return Switch(bool(value), id=wid)
    if choices is not None:
        options = [(str(choice), choice) for choice in choices]
        return Select(options, value=value if value in choices else Select.NULL, allow_blank=False, id=wid)
    input_type = "integer" if annotation is int else "number" if annotation is float else "text"
    return Input("" if value is None else str(value), type=input_type, id=wid, compact=True)


class ArgsForm(VerticalScroll):
    """The generated form; ``values()`` reads it back, ``show_errors()`` marks fields."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save args", id="args.save", tooltip="Validate and save the arguments to [args]"),
    ]

    @dataclass
    class SaveRequested(Message):
        """The user asked to save ``values``."""

        values: dict[str, Any]

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._model: Any = None
        self._fields: dict[str, Any] = {}

    def load(self, model: Any, values: dict[str, Any]) -> None:
        """Rebuild the form for ``model`` (a pydantic model class) filled with ``values`` or defaults."""
        self._model = model
        self._fields = dict(model.model_fields)
        rows: list[Widget] = []
        for name, info in self._fields.items():
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            widget = widget_for(name, info.annotation, values.get(name, default))
            widget.tooltip = info.description or None
            rows.append(Horizontal(Label(name, classes="field-label"), widget, classes="row"))
            rows.append(Static("", id=f"arg-err-{name}", classes="field-error"))
        # The old rows must be gone before rows with the same ids mount (a reload after an app switch).
        self.call_next(self._replace_rows, rows)

    async def _replace_rows(self, rows: list[Widget]) -> None:
        await self.remove_children()
        await self.mount_all(rows)

    def _raw(self, name: str) -> Any:
        widget = self.query_one(f"#arg-{name}")
        if isinstance(widget, Switch):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        text = widget.value.strip() if isinstance(widget, Input) else ""
        annotation = _unwrap_optional(self._fields[name].annotation)
        try:
            if annotation is int:
                return int(text)
            if annotation is float:
                return float(text)
        except ValueError:
            return text  # left as text so validation reports the field
        return text

    def values(self) -> dict[str, Any]:
        """The current form content, typed where the text parses."""
        return {name: self._raw(name) for name in self._fields}

    def field_errors(self) -> dict[str, str]:
        """Validate the whole form with the model; field name -> first error message."""
        from pydantic import ValidationError

        if self._model is None:
            return {}
        try:
            self._model.model_validate(self.values())
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for err in exc.errors():
                key = str(err["loc"][0]) if err["loc"] else ""
                errors.setdefault(key, err["msg"])
            return errors
        return {}

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in self._fields:
            message = errors.get(name, "")
            self.query_one(f"#arg-err-{name}", Static).update(f"✗ {message}" if message else "")
            self.query_one(f"#arg-{name}").set_class(bool(message), "-invalid")

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _revalidate(self) -> None:
        self.show_errors(self.field_errors())

    def action_save(self) -> None:
        errors = self.field_errors()
        self.show_errors(errors)
        if not errors:
            self.post_message(self.SaveRequested(self.values()))
