"""The numbered stage list: jump between stages, see each one's kind, template status and lock."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.workflow.lab import StageInfo

NEW_STAGE = "new"
_BADGE_STYLES = {"current": "green", "outdated": "bold yellow", "raw": "dim", "unknown": "magenta", "newer": "cyan",
                 "stale": "bold red"}


def stage_option_id(index: int) -> str:
    return f"stage-{index}"


def stage_label(info: StageInfo, *, unsaved: bool, width: int = 40) -> Text:
    """``1 Load data *`` over ``  raw · locked``: two lines so the badge never pushes the title off."""
    # The option list would wrap a long description over several lines; cut it to the list's width instead.
    room = max(6, width - 5)
    title = info.title if len(info.title) <= room else info.title[: room - 1] + "…"
    text = Text(f"{info.index + 1:>2} ", style="bold")
    text.append(title)
    if unsaved:
        text.append(" *", style="bold yellow")
    text.append("\n   ")
    text.append(info.badge, style=_BADGE_STYLES.get(info.badge, ""))
    if info.locked:
        text.append(" · locked", style="bold cyan")
    return text


class StageList(OptionList):
    """One option per stage plus ``+ new stage``; highlighting an option opens it in the editor."""

    DEFAULT_CSS = """
    StageList {
        width: 26;
        height: 1fr;
        border: round $panel;
        &:focus { border: round $primary; }
        & > .option-list--option { padding: 0 0; }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.border_title = "Stages"

    def show(self, stages: Sequence[StageInfo], *, unsaved: Collection[int], draft: bool, current: int) -> None:
        """Rebuild the options and highlight ``current`` (``len(stages)`` means the new-stage draft)."""
        width = self.label_width
        options = [Option(stage_label(info, unsaved=info.index in unsaved, width=width),
                          id=stage_option_id(info.index)) for info in stages]
        new_label = Text("  + new stage", style="italic")
        if draft:
            new_label.append(" *" if len(stages) in unsaved else " (draft)", style="bold")
        options.append(Option(new_label, id=NEW_STAGE))
        self.set_options(options)
        self.border_subtitle = f"{len(stages)} saved"
        self.move_to(current)

    @property
    def label_width(self) -> int:
        """Columns available to an option's text (before the first layout, the CSS width)."""
        return self.scrollable_content_region.width or 22

    def move_to(self, index: int) -> None:
        """Highlight an entry without treating it as a user jump when it is already there."""
        index = max(0, min(index, self.option_count - 1))
        if self.highlighted != index:
            self.highlighted = index

    @staticmethod
    def index_of(option: Option, stage_count: int) -> int:
        """The stage index an option stands for (``stage_count`` for the new-stage draft)."""
        return stage_count if option.id == NEW_STAGE else int(str(option.id).split("-", 1)[1])
