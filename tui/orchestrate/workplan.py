"""The distribution work plan: a Tree (worker slot -> partitions with weights), per-slot load bars, and
keyboard reassignment of a partition to another slot (``m``), saved with ``ctrl+s``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static, Tree
from textual.widgets.option_list import Option

BAR_WIDTH = 24


def load_bars(rows: list[dict[str, Any]], unit: str) -> Text:
    """One bar per worker slot, scaled to the heaviest slot."""
    text = Text(no_wrap=True)
    heaviest = max((row["load"] for row in rows), default=0.0) or 1.0
    label_width = max((len(row["slot"]) for row in rows), default=4)
    for row in rows:
        filled = round(BAR_WIDTH * row["load"] / heaviest)
        text.append(f"{row['slot']:<{label_width}} ")
        text.append("█" * filled, style="bold")
        text.append("░" * (BAR_WIDTH - filled), style="dim")
        text.append(f" {row['load']:.1f} {unit} · {len(row['partitions'])} part.\n")
    return text


class SlotChoice(ModalScreen[int | None]):
    """Pick the worker slot a partition moves to."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="workplan.cancel-move",
                        tooltip="Keep the partition where it is")]

    def __init__(self, partition: str, slots: list[str], current: int):
        super().__init__()
        self._partition, self._slots, self._current = partition, slots, current

    def compose(self) -> ComposeResult:
        options = [Option(f"{label}{'  (current)' if i == self._current else ''}", id=str(i))
                   for i, label in enumerate(self._slots)]
        with Vertical(id="slot-choice"):
            yield Static(f"Move {self._partition} to:")
            yield OptionList(*options)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


class WorkplanView(Vertical):
    """Tree and load bars of one plan; moving partitions edits a copy until saved."""

    DEFAULT_CSS = """
    WorkplanView {
        height: 1fr;
        Tree { height: 1fr; min-height: 4; border: round $panel; &:focus { border: round $primary; } }
        #workplan-bars { height: auto; max-height: 8; padding: 0 1; }
    }
    SlotChoice { align: center middle; }
    SlotChoice #slot-choice { width: 50; height: auto; max-height: 80%; border: round $primary;
                              background: $surface; padding: 0 1; }
    """

    BINDINGS = [
        Binding("m", "move", "Move partition", id="workplan.move",
                tooltip="Reassign the selected partition to another worker slot"),
        Binding("ctrl+s", "save", "Save plan", id="workplan.save", tooltip="Save the modified work plan"),
    ]

    @dataclass
    class SaveRequested(Message):
        """The user asked to save the (reassigned) plan."""

        plan: dict[str, Any]

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.plan: dict[str, Any] | None = None
        self.modified = False

    def compose(self) -> ComposeResult:
        tree: Tree[tuple[int, int] | None] = Tree("work plan", id="workplan-tree")
        tree.show_root = False
        yield tree
        yield Static("", id="workplan-bars")

    def show_plan(self, plan: dict[str, Any], *, modified: bool = False) -> None:
        """Render ``plan`` (``agilab.distribution_tree.v2``)."""
        from engine.distribution import slot_summary

        self.plan, self.modified = plan, modified
        unit = plan.get("weights_unit", "")
        rows = slot_summary(plan)
        tree = self.query_one(Tree)
        tree.clear()
        for slot_index, row in enumerate(rows):
            slot = tree.root.add(f"{row['slot']}  [{row['load']:.1f} {unit}]", data=None, expand=True)
            for chunk_index, (partition, weight) in enumerate(row["partitions"]):
                slot.add_leaf(f"{partition}  {weight:.1f} {unit}", data=(slot_index, chunk_index))
        bars = self.query_one("#workplan-bars", Static)
        bars.update(load_bars(rows, unit))
        tree.border_title = f"work plan · {plan.get('partition_key', 'partition')}" + (" · modified" if modified else "")
        tree.border_subtitle = "m move · ctrl+s save"

    def action_move(self) -> None:
        tree = self.query_one(Tree)
        node = tree.cursor_node
        if self.plan is None or node is None or node.data is None:
            self.notify("Select a partition (a leaf of the tree) first", severity="warning")
            return
        from_slot, chunk_index = node.data
        slots = list(self.plan["worker_slots"])

        def moved(to_slot: int | None) -> None:
            if to_slot is None or self.plan is None or to_slot == from_slot:
                return
            from engine.distribution import reassign

            self.show_plan(reassign(self.plan, from_slot, chunk_index, to_slot), modified=True)

        self.app.push_screen(SlotChoice(str(node.label).split("  ")[0], slots, from_slot), moved)

    def action_save(self) -> None:
        if self.plan is not None:
            self.post_message(self.SaveRequested(self.plan))
