"""The catalog of Safe Actions: each action's fields described well enough for a UI to build a form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .contract import AGGREGATIONS, DERIVE_TRANSFORMS, FILTER_OPERATORS
from .errors import ContractError

FieldKind = Literal[
    "column",
    "columns",
    "new_column",
    "rename_mapping",
    "aggregation_mapping",
    "choice",
    "scalar",
    "scalar_or_list",
    "number",
    "integer",
    "boolean",
]


@dataclass(frozen=True)
class FieldSpec:
    """One key of an action as a form field."""

    name: str
    """The contract key."""
    kind: FieldKind
    """What the field holds: an existing column, a list of them, a new name, a mapping, a choice or a value."""
    label: str
    """Short label for the form."""
    required: bool = True
    """False for the optional keys (``drop_missing.columns``, ``clip.output/lower/upper``)."""
    choices: tuple[str, ...] = ()
    """Allowed values of a ``choice`` field, or allowed functions of an ``aggregation_mapping``."""
    help: str = ""
    """One line shown under the field; also says how text input is read."""
    default: str | int | bool | None = None
    """Value to prefill, if any."""


@dataclass(frozen=True)
class ActionSpec:
    """One action of the catalog."""

    name: str
    label: str
    description: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec:
        """The field spec for a key of this action."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise ContractError(f"{self.name} has no key '{name}'", action=self.name, key=name)


_COLUMNS_HELP = "Existing columns; text input is comma-separated."
_NUMBER_HELP = "A number such as 3 or 2.5."

ACTION_CATALOG: tuple[ActionSpec, ...] = (
    ActionSpec("select_columns", "Select columns", "Keep only these columns, in this order.", (
        FieldSpec("columns", "columns", "Columns to keep", help=_COLUMNS_HELP),
    )),
    ActionSpec("drop_columns", "Drop columns", "Remove these columns.", (
        FieldSpec("columns", "columns", "Columns to drop", help=_COLUMNS_HELP),
    )),
    ActionSpec("rename_columns", "Rename columns", "Give columns new names.", (
        FieldSpec("mapping", "rename_mapping", "Renames", help="old=new pairs, comma-separated."),
    )),
    ActionSpec("filter_rows", "Filter rows", "Keep the rows where a column compares true against a value.", (
        FieldSpec("column", "column", "Column"),
        FieldSpec("operator", "choice", "Operator", choices=FILTER_OPERATORS, default="eq",
                  help="contains is a case-insensitive substring test; isin takes a list."),
        FieldSpec("value", "scalar_or_list", "Value",
                  help="Numbers are read as numbers for numeric columns; isin takes comma-separated values."),
    )),
    ActionSpec("derive_column", "Derive column", "Write a new column computed from an existing one.", (
        FieldSpec("input", "column", "Source column"),
        FieldSpec("output", "new_column", "New column"),
        FieldSpec("transform", "choice", "Transform", choices=DERIVE_TRANSFORMS, default="copy"),
        FieldSpec("value", "number", "Operand", help="Required for add, subtract, multiply and divide; "
                  "left empty for copy and abs."),
    )),
    ActionSpec("fill_missing", "Fill missing values", "Replace missing values in these columns.", (
        FieldSpec("columns", "columns", "Columns", help=_COLUMNS_HELP),
        FieldSpec("value", "scalar", "Fill value", help="Read as a number when the columns are numeric."),
    )),
    ActionSpec("drop_missing", "Drop missing rows", "Drop the rows that have a missing value.", (
        FieldSpec("columns", "columns", "Columns to check", required=False,
                  help="Leave empty to check every column; text input is comma-separated."),
    )),
    ActionSpec("sort_rows", "Sort rows", "Sort rows by these columns (ties keep their order).", (
        FieldSpec("columns", "columns", "Sort by", help=_COLUMNS_HELP),
        FieldSpec("ascending", "boolean", "Ascending", default=True),
    )),
    ActionSpec("groupby_aggregate", "Group and aggregate", "Group rows and aggregate other columns.", (
        FieldSpec("by", "columns", "Group by", help=_COLUMNS_HELP),
        FieldSpec("aggregations", "aggregation_mapping", "Aggregations", choices=AGGREGATIONS,
                  help="column=function pairs, comma-separated; functions: " + ", ".join(AGGREGATIONS) + "."),
    )),
    ActionSpec("rolling_mean", "Rolling mean", "Write the trailing mean over a window of rows.", (
        FieldSpec("input", "column", "Source column"),
        FieldSpec("output", "new_column", "New column"),
        FieldSpec("window", "integer", "Window (rows)", default=3, help="A positive whole number."),
    )),
    ActionSpec("clip", "Clip values", "Bound a column's values to a range.", (
        FieldSpec("input", "column", "Column"),
        FieldSpec("output", "new_column", "Output column", required=False,
                  help="Leave empty to clip the column in place."),
        FieldSpec("lower", "number", "Lower bound", required=False, help=_NUMBER_HELP),
        FieldSpec("upper", "number", "Upper bound", required=False, help=_NUMBER_HELP),
    )),
)
_BY_NAME = {spec.name: spec for spec in ACTION_CATALOG}


def action_spec(name: str) -> ActionSpec:
    """The catalog entry of an action, or a ContractError naming the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise ContractError(f"unknown action '{name}' (known: {known})", key="action") from None
