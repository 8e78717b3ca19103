"""PROJECT: the app list (select, create, import, export, rename, delete), environment health and file editors.

The app list is on the left; the right side switches between the health cards of the active app and
the file editor (ctrl+t). Handlers for every action live in
:class:`~tui.project.actions.ProjectActions`; this file holds layout, keys and palette commands.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, OptionList, Static

from tui.page import PaletteCommand, focus_now
from tui.project.actions import ProjectActions
from tui.project.editor import ProjectEditor
from tui.project.health import HealthCards


class ProjectView(ProjectActions):
    """The PROJECT page."""

    TAB_ID = "project"
    DEFAULT_CSS = """
    ProjectView {
        #project-main { height: 1fr; }
        #project-apps { width: 30; height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        #project-switcher { width: 1fr; height: 1fr; }
        #project-message { height: auto; max-height: 2; padding: 0 1; }
    }
    """
    BINDINGS = [
        Binding("ctrl+n", "create", "New", id="project.create", tooltip="Create an app from the highlighted one (template clone)"),
        Binding("ctrl+t", "toggle_files", "Files/Health", id="project.toggle-files",
                tooltip="Switch between the health cards and the file editor"),
        Binding("ctrl+s", "save", "Save", id="project.save", tooltip="Validate and save the edited file"),
        Binding("f5", "refresh", "Refresh", id="project.refresh", tooltip="Re-check the environment health"),
        Binding("f2", "rename", "Rename", show=False, id="project.rename", tooltip="Rename the highlighted workspace app"),
        Binding("f3", "create_from_notebook", "From notebook", show=False, id="project.create-from-notebook",
                tooltip="Create an app whose WORKFLOW stages are a notebook's code cells"),
        Binding("f4", "import", "Import", show=False, id="project.import", tooltip="Import an app archive (.zip)"),
        Binding("f6", "export", "Export", show=False, id="project.export",
                tooltip="Export the highlighted app to export/apps-zip/<app>.zip"),
        Binding("f7", "delete", "Delete", show=False, id="project.delete", tooltip="Delete the highlighted workspace app"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="project-main"):
            apps = OptionList(id="project-apps")
            apps.border_title = "Apps (enter: activate)"
            apps.border_subtitle = "dim: bundled"
            yield apps
            with ContentSwitcher(initial="project-health", id="project-switcher"):
                yield HealthCards(id="project-health")
                yield ProjectEditor(id="project-files")
        yield Static("", id="project-message")

    def on_mount(self) -> None:
        self.reload()

    def focus_first(self) -> None:
        focus_now(self.query_one("#project-apps", OptionList))

    @on(OptionList.OptionSelected, "#project-apps")
    def _app_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_select_app()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("project: select app", "Make the highlighted app the active one", self.action_select_app),
            PaletteCommand("project: create from template", "Clone the highlighted app under a new name",
                           self.action_create),
            PaletteCommand("project: create from notebook", "New app whose WORKFLOW stages are a notebook's cells",
                           self.action_create_from_notebook),
            PaletteCommand("project: import archive", "Import an app .zip (overwrite asks first)", self.action_import),
            PaletteCommand("project: add AGILab apps folder", "List a folder's AGILab projects as agilab:<project>",
                           self.action_add_agilab_apps),
            PaletteCommand("project: export archive", "Zip the highlighted app to export/apps-zip", self.action_export),
            PaletteCommand("project: rename", "Rename the highlighted workspace app", self.action_rename),
            PaletteCommand("project: delete", "Delete the highlighted workspace app", self.action_delete),
            PaletteCommand("project: edit files", "Show the file editor", self._show_files),
            PaletteCommand("project: save file", "Validate and save the edited file", self.action_save),
            PaletteCommand("project: check health", "Re-check the environment health", self._show_health),
        ]

    def _show_files(self) -> None:
        self.query_one("#project-switcher", ContentSwitcher).current = "project-files"

    def _show_health(self) -> None:
        self.query_one("#project-switcher", ContentSwitcher).current = "project-health"
        self.action_refresh()
