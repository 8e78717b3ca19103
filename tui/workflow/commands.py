"""The WORKFLOW page's palette commands, titled ``"<group>: <verb>"``; each first shows its sub-tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from tui.workflow.history import HistoryPanel
from tui.workflow.notebook import NotebookPanel
from tui.workflow.optional import OPTIONAL_PANELS
from tui.workflow.panel import SUBTABS
from tui.workflow.pipeline import PipelinePanel

if TYPE_CHECKING:
    from tui.page import PaletteCommand
    from tui.workflow.stages import StagesPanel


class WorkflowPage(Protocol):
    """What the commands need from the WORKFLOW page (kept here so this module never imports the page)."""

    @property
    def stages(self) -> StagesPanel: ...

    def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

    def show_subtab(self, key: str) -> None: ...

    def optional(self, key: str) -> Any: ...


def workflow_commands(view: WorkflowPage) -> list[PaletteCommand]:
    """Every action of the page, plus the DAG / Assistant panels' own commands once they are mounted."""
    from tui.page import PaletteCommand

    stages, pipeline = view.stages, view.query_one(PipelinePanel)
    history, notebook = view.query_one(HistoryPanel), view.query_one(NotebookPanel)

    def in_tab(key: str, action: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            view.show_subtab(key)
            return action()

        return run

    entries: list[tuple[str, str, str, Callable[[], Any]]] = [
        ("stage: save", "Save the stage on screen", "stages", stages.action_save),
        ("stage: next", "Save the stage, then open a new one", "stages", stages.action_next),
        ("stage: remove", "Remove the stage (asks first)", "stages", stages.action_remove),
        ("stage: run", "Save if modified, then run the stage", "stages", stages.action_run),
        ("stage: cancel", "Cancel the running stage", "stages", stages.action_cancel),
        ("stage: import snippet", "Add a read-only stage from ORCHESTRATE's run snippet or a .py file",
         "stages", stages.action_import_snippet),
        ("stage: generate from prompt", "Open the Assistant sub-tab (Safe Actions)", "assistant", lambda: None),
        ("stage: open previous", "Open the previous stage", "stages", lambda: stages.action_jump(-1)),
        ("stage: open following", "Open the next stage in the list", "stages", lambda: stages.action_jump(1)),
        ("template: refresh", "Refresh a template stage from the registry (diff first)", "stages",
         stages.action_refresh_template),
        ("template: convert snippets", "Preview, then convert generated snippets into template stages",
         "stages", stages.action_convert),
        ("preview: toggle log", "Switch between stage output and the data preview", "stages",
         stages.action_toggle_results),
        ("pipeline: run", "Run the checked stages in order", "pipeline", pipeline.action_run_pipeline),
        ("pipeline: cancel", "Cancel the running pipeline", "pipeline", pipeline.action_cancel),
        ("pipeline: save order", "Keep the checked stages as the run sequence", "pipeline",
         pipeline.action_save_order),
        ("history: save", "Validate and save the raw lab_stages.toml", "history", history.action_save_history),
        ("history: revert", "Drop the HISTORY edits", "history", history.action_revert),
        ("notebook: export", "Write lab_stages.ipynb beside lab_stages.toml", "notebook", notebook.action_export),
        ("notebook: preview import", "Preview the stages a notebook would add", "notebook",
         notebook.action_preview_import),
        ("notebook: merge", "Append the previewed notebook stages (asks first)", "notebook", notebook.action_merge),
    ]
    commands = [PaletteCommand(title, help, in_tab(key, action)) for title, help, key, action in entries]
    commands += [PaletteCommand(f"workflow: {label.lower()}", f"Show the {label} sub-tab", in_tab(key, lambda: None))
                 for key, label in SUBTABS]
    for key in OPTIONAL_PANELS:
        panel_commands = getattr(view.optional(key), "palette_commands", None)
        if callable(panel_commands):
            commands += [PaletteCommand(c.title, c.help, in_tab(key, c.callback)) for c in panel_commands()]
    return commands
