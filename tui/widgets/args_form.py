"""The args form, built from the JSON schema the app's manager env returns (the TUI never imports the app).

Schema types map to widgets: ``boolean`` -> Switch, ``enum`` -> Select, ``integer``/``number``/``string``
-> Input (typed, so only valid characters go in), ``array``/``object`` -> a validated JSON editor.
Every change checks the form against the schema (types, bounds, lengths, required) and shows each
field's first error under it; the app's own model, in its manager env, has the final word at save.
An app without an ``Args`` model, or one whose manager env is not installed yet, gets its ``[args]``
as validated TOML instead. Saving is the page's job (:class:`ArgsForm.SaveRequested` /
:class:`ArgsForm.TomlSaveRequested`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

_JSON_TYPES = {"array": list, "object": dict}


def resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """One property's effective schema: ``$ref`` followed, ``X | None`` reduced to ``X`` (``nullable``)."""
    if "$ref" in prop:
        prop = {**defs.get(prop["$ref"].rsplit("/", 1)[-1], {}), **{k: v for k, v in prop.items() if k != "$ref"}}
    options = prop.get("anyOf")
    if isinstance(options, list):
        real = [o for o in options if o.get("type") != "null"]
        if len(real) == 1:
            merged = {**resolve(real[0], defs), **{k: v for k, v in prop.items() if k != "anyOf"}}
            merged["nullable"] = len(real) != len(options)
            return merged
    return prop


def kind_of(prop: dict[str, Any]) -> str:
    """``switch``, ``choice``, ``integer``, ``number``, ``text`` or ``json``."""
    if "enum" in prop:
        return "choice"
    kind = prop.get("type")
    if kind == "boolean":
        return "switch"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "string":
        return "text"
    return "json"


def check_value(name: str, prop: dict[str, Any], value: Any, required: bool) -> str:
    """The first problem of ``value`` against ``prop`` (pydantic's wording), or ""."""
    kind = kind_of(prop)
    if value is None or value == "":
        if kind == "text" and value == "" and not required:
            return ""
        return "Field required" if required and not prop.get("nullable") and "default" not in prop else ""
    if isinstance(value, _Invalid):
        return value.message
    if kind == "choice" and value not in prop["enum"]:
        return "Input should be " + " or ".join(repr(v) for v in prop["enum"])
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return "Input should be a valid integer"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "Input should be a valid number"
    if kind in ("integer", "number"):
        for key, op, words in (("minimum", float.__ge__, "greater than or equal to"),
                               ("exclusiveMinimum", float.__gt__, "greater than"),
                               ("maximum", float.__le__, "less than or equal to"),
                               ("exclusiveMaximum", float.__lt__, "less than")):
            if key in prop and not op(float(value), float(prop[key])):
                return f"Input should be {words} {prop[key]}"
    if kind == "text":
        if "minLength" in prop and len(value) < prop["minLength"]:
            return f"String should have at least {prop['minLength']} character(s)"
        if "maxLength" in prop and len(value) > prop["maxLength"]:
            return f"String should have at most {prop['maxLength']} character(s)"
    if kind == "json":
        expected = _JSON_TYPES.get(str(prop.get("type")))
        if expected is not None and not isinstance(value, expected):
            return f"Input should be a JSON {'list' if expected is list else 'object'}"
    return ""


class _Invalid:
    """A field's text that does not parse (kept so the error is shown instead of a wrong value)."""

    def __init__(self, message: str):
        self.message = message


def widget_for(name: str, prop: dict[str, Any], value: Any) -> Widget:
    """The input widget for one field, pre-filled with ``value``."""
    wid = f"arg-{name}"
    kind = kind_of(prop)
    if kind == "switch":
        return Switch(bool(value), id=wid)
    if kind == "choice":
        options = [(str(choice), choice) for choice in prop["enum"]]
        return Select(options, value=value if value in prop["enum"] else Select.NULL, allow_blank=False, id=wid)
    if kind == "json":
        text = "" if value is None else json.dumps(value)
        return Input(text, id=wid, compact=True, classes="json-field", placeholder="JSON")
    input_type = "integer" if kind == "integer" else "number" if kind == "number" else "text"
    return Input("" if value is None else str(value), type=input_type, id=wid, compact=True)


class ArgsForm(VerticalScroll):
    """The generated form; ``values()`` reads it back, ``show_errors()`` marks fields."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save args", id="args.save", tooltip="Validate and save the arguments to [args]"),
    ]

    @dataclass
    class SaveRequested(Message):
        """The user asked to save ``values`` (checked by the app's model in its manager env)."""

        values: dict[str, Any]

    @dataclass
    class TomlSaveRequested(Message):
        """The user asked to save ``[args]`` given as TOML text."""

        text: str

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._props: dict[str, dict[str, Any]] = {}
        self._required: set[str] = set()
        self.toml_mode = False

    def load(self, reply: dict[str, Any], values: dict[str, Any]) -> None:
        """Rebuild the form from the manager env's schema reply (``has_model``, ``schema``, ``defaults``)."""
        if not reply.get("has_model") or not isinstance(reply.get("schema"), dict):
            self.load_toml(values, "this app has no Args model: [args] is edited as TOML (ctrl+s saves)")
            return
        schema = reply["schema"]
        defs = schema.get("$defs") or {}
        defaults = reply.get("defaults") or {}
        self.toml_mode = False
        self._props = {name: resolve(prop, defs) for name, prop in (schema.get("properties") or {}).items()}
        self._required = set(schema.get("required") or [])
        rows: list[Widget] = []
        for name, prop in self._props.items():
            widget = widget_for(name, prop, values.get(name, defaults.get(name, prop.get("default"))))
            widget.tooltip = prop.get("description") or None
            rows.append(Horizontal(Label(name, classes="field-label"), widget, classes="row"))
            rows.append(Static("", id=f"arg-err-{name}", classes="field-error"))
        # The old rows must be gone before rows with the same ids mount (a reload after an app switch).
        self.call_next(self._replace_rows, rows)

    def load_toml(self, values: dict[str, Any], note: str) -> None:
        """``[args]`` as a TOML editor (no model, or no manager env yet), with why."""
        from engine.args_toml import args_as_toml

        self.toml_mode = True
        self._props, self._required = {}, set()
        rows: list[Widget] = [Static(note, id="args-toml-note", classes="field-note"),
                              TextArea(args_as_toml(values), id="args-toml", language=None, soft_wrap=False),
                              Static("", id="args-toml-error", classes="field-error")]
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
        kind = kind_of(self._props[name])
        if not text and kind != "text":
            return None
        try:
            if kind == "integer":
                return int(text)
            if kind == "number":
                return float(text)
            if kind == "json":
                return json.loads(text)
        except json.JSONDecodeError as exc:
            return _Invalid(f"invalid JSON: {exc.msg} (column {exc.colno})")
        except ValueError:
            return text  # left as text so the check reports the field
        return text

    def values(self) -> dict[str, Any]:
        """The current form content, typed where the text parses; empty optional fields left out."""
        values = {name: self._raw(name) for name in self._props}
        return {k: v for k, v in values.items() if v is not None or k in self._required}

    def field_errors(self) -> dict[str, str]:
        """Check every field against its schema; field name -> first error message."""
        errors: dict[str, str] = {}
        for name, prop in self._props.items():
            message = check_value(name, prop, self._raw(name), name in self._required)
            if message:
                errors[name] = message
        return errors

    def show_errors(self, errors: dict[str, str]) -> None:
        if self.toml_mode:
            message = next(iter(errors.values()), "")
            self.query_one("#args-toml-error", Static).update(f"✗ {message}" if message else "")
            return
        for name in self._props:
            message = errors.get(name, "")
            self.query_one(f"#arg-err-{name}", Static).update(f"✗ {message}" if message else "")
            self.query_one(f"#arg-{name}").set_class(bool(message), "-invalid")

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _revalidate(self) -> None:
        if not self.toml_mode:
            self.show_errors(self.field_errors())

    def action_save(self) -> None:
        if self.toml_mode:
            self.post_message(self.TomlSaveRequested(self.query_one("#args-toml", TextArea).text))
            return
        errors = self.field_errors()
        self.show_errors(errors)
        if not errors:
            self.post_message(self.SaveRequested(self.values()))
