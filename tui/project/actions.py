"""What PROJECT does for each action (mixed into ``ProjectView``): dialogs, engine calls, and their results.

Every file or subprocess touch runs in ``app.call_engine`` (a thread) and comes back as
``EngineCallDone``, tagged with the action; this module only asks questions and shows answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from tui.messages import ActiveAppChanged, EngineCallDone, OperationDone
from tui.page import PageView
from tui.project.editor import ProjectEditor
from tui.project.health import HealthCards
from tui.widgets.dialogs import ConfirmScreen, PromptScreen


def _health(engine: Any, name: str) -> Any:
    from engine.health import app_health

    return app_health(engine.workspace, engine.app(name))


def _files(engine: Any, name: str) -> Any:
    from engine.projects import editable_files

    return editable_files(engine.workspace, engine.app(name))


def _project_call(function: str, **kwargs: Any) -> Callable[..., Any]:
    """An engine.projects function bound to the workspace, imported in the worker thread."""
    def call(engine: Any, *args: Any) -> Any:
        import engine.projects as projects

        return getattr(projects, function)(engine.workspace, *args, **kwargs)

    return call


def _add_agilab_folder(engine: Any, folder: str) -> list[str]:
    from engine.backends.agilab.discovery import add_apps_path

    return [f"agilab:{path.name}" for path in add_apps_path(engine.workspace, folder)]


class ProjectActions(PageView):
    """Actions and engine-result handlers of the PROJECT page."""

    selected_app: str = ""
    """The app shown (the active app, or the one highlighted in the list)."""

    # --- loading -------------------------------------------------------------------------------
    def reload(self, focus_app: str | None = None) -> None:
        """Re-read the app list, then the active app's health and files."""
        self.app.call_engine("apps", self.app.engine.apps, reply_to=self, context={"focus": focus_app})

    def _call(self, tag: str, fn: Callable[..., Any], *args: Any, **context: Any) -> None:
        self.app.call_engine(tag, fn, self.app.engine, *args, reply_to=self, context=context)

    def load_app(self, name: str) -> None:
        self.selected_app = name
        self.query_one(HealthCards).show_pending(name)
        self._call("health", _health, name, app=name)
        self._call("files", _files, name, app=name)

    def message(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#project-message", Static)
        line.update(Text(self.app.redact(text), style="bold red" if error else ""))

    # --- results -------------------------------------------------------------------------------
    @on(EngineCallDone)
    def _engine_done(self, done: EngineCallDone) -> None:
        if done.context.get("app") not in (None, self.selected_app):
            return  # a slow answer about an app the user already left
        if not done.ok:
            target = self.query_one(HealthCards) if done.tag == "health" else None
            if target is not None:
                target.show_error(self.selected_app, str(done.error))
            elif done.tag in ("load_file", "save_file"):
                self.query_one(ProjectEditor).set_status(str(done.error), error=True)
            else:
                self.message(str(done.error), error=True)
            return
        handler = getattr(self, f"_done_{done.tag}", None)
        if handler is not None:
            handler(done.value, done.context)

    def _done_apps(self, apps: list[Any], context: dict[str, Any]) -> None:
        active = self.app.engine.active_app().name
        options = self.query_one("#project-apps", OptionList)
        options.clear_options()
        for app in apps:
            label = Text("● " if app.name == active else "  ")
            label.append(app.name, style=("bold " if app.name == active else "") + ("dim" if app.bundled else ""))
            options.add_option(Option(label, id=app.name))
        names = [a.name for a in apps]
        focus = context.get("focus") or active
        if focus in names:
            options.highlighted = names.index(focus)
        self.load_app(active)

    def _done_health(self, cards: list[Any], context: dict[str, Any]) -> None:
        self.query_one(HealthCards).show_cards(context["app"], cards)

    def _done_files(self, files: list[Any], context: dict[str, Any]) -> None:
        editor = self.query_one(ProjectEditor)
        current = editor.loaded.file.key if editor.loaded else "readme"
        editor.set_files(files, current)
        self._load_file(current)

    def _load_file(self, key: str) -> None:
        from engine.projects import load_file

        file = self.query_one(ProjectEditor).file(key)
        if file is not None:
            self.app.call_engine("load_file", load_file, file, reply_to=self, context={"app": self.selected_app})

    @on(ProjectEditor.FileChosen)
    def _file_chosen(self, event: ProjectEditor.FileChosen) -> None:
        editor = self.query_one(ProjectEditor)
        if editor.loaded is None or editor.loaded.file.key == event.key or not editor.modified:
            self._load_file(event.key)
            return
        previous = editor.loaded.file

        def discard(yes: bool | None) -> None:
            if yes:
                self._load_file(event.key)
            else:
                editor.select_quietly(previous.key)

        self.app.push_screen(ConfirmScreen("Unsaved changes", f"Discard the changes to {previous.label}?",
                                           "Discard"), discard)

    def _done_load_file(self, loaded: Any, context: dict[str, Any]) -> None:
        self.query_one(ProjectEditor).show_file(loaded)

    def _done_save_file(self, loaded: Any, context: dict[str, Any]) -> None:
        self.query_one(ProjectEditor).saved(loaded)
        self._call("health", _health, self.selected_app, app=self.selected_app)

    def _done_change(self, change: Any, context: dict[str, Any]) -> None:
        """Any create/rename/import/delete/export: say what happened, then show the resulting app."""
        self.message(change.message)
        if context.get("activate"):
            self.app.set_active_app(change.app)  # every view reloads, this one included
        elif context.get("deleted"):
            self.app.set_active_app(self.app.engine.active_app().name)  # the default when the active app went
        else:
            self.reload()

    @on(ActiveAppChanged)
    def _active_changed(self, event: ActiveAppChanged) -> None:
        self.reload(focus_app=event.name)

    @on(OperationDone)
    def _work_done(self, done: OperationDone) -> None:
        # An install, run or benchmark changes what the health cards check (env, outputs, settings).
        if self.selected_app == done.app:
            self._call("health", _health, self.selected_app, app=self.selected_app)

    # --- actions -------------------------------------------------------------------------------
    def highlighted_app(self) -> str:
        options = self.query_one("#project-apps", OptionList)
        if options.highlighted is None:
            return self.selected_app
        return str(options.get_option_at_index(options.highlighted).id)

    def action_select_app(self) -> None:
        self.app.set_active_app(self.highlighted_app())

    def action_create(self) -> None:
        def create(name: str | None) -> None:
            if name:
                self._call("change", _project_call("create_from_template"), name, self.highlighted_app(), activate=True)

        source = self.highlighted_app()
        self.app.push_screen(PromptScreen("Create from template", f"Clone {source}: every identifier is renamed.",
                                          placeholder="new_app_name"), create)

    def action_create_from_notebook(self) -> None:
        def ask_name(notebook: str | None) -> None:
            if notebook:
                self.app.push_screen(PromptScreen("Create from notebook", "Name of the new app",
                                                  placeholder="new_app_name"), lambda name: create(notebook, name))

        def create(notebook: str, name: str | None) -> None:
            if name:
                self._call("change", _project_call("create_from_notebook"), name, notebook, activate=True)

        self.app.push_screen(PromptScreen("Create from notebook", "Path of the .ipynb (code cells become WORKFLOW "
                                          "stages; nothing is executed)", placeholder="/path/to/notebook.ipynb"),
                             ask_name)

    def action_rename(self) -> None:
        name = self.highlighted_app()

        def rename(new: str | None) -> None:
            if new:
                self._call("change", _project_call("rename_app"), name, new, activate=True)

        self.app.push_screen(PromptScreen(f"Rename {name}", "New name (packages, classes and settings follow)",
                                          value=name), rename)

    def action_delete(self) -> None:
        name = self.highlighted_app()

        def delete(yes: bool | None) -> None:
            if yes:
                self._call("change", _project_call("delete_app"), name, deleted=True)

        self.app.push_screen(ConfirmScreen(f"Delete {name}", f"Delete {name}, its settings and worker environment? "
                                           "Data and exports are kept.", "Delete"), delete)

    def action_export(self) -> None:
        self._call("change", _project_call("export_app"), self.highlighted_app())

    def action_import(self) -> None:
        self._call("archives", _project_call("list_archives"))

    def action_add_agilab_apps(self) -> None:
        """List the AGILab projects of a folder as ``agilab:<project>`` (remembered in the workspace)."""
        self.app.push_screen(PromptScreen("Add AGILab apps", "Folder holding AGILab *_project folders (or one project)",
                                          placeholder="/path/to/agilab/apps"), self._add_agilab_apps)

    def _add_agilab_apps(self, folder: str | None) -> None:
        if folder:
            self._call("agilab_apps", _add_agilab_folder, folder)

    def _done_agilab_apps(self, names: list[str], context: dict[str, Any]) -> None:
        self.message(f"AGILab apps added: {', '.join(names)}")
        self.reload(focus_app=names[0] if names else None)

    def _done_archives(self, archives: list[Any], context: dict[str, Any]) -> None:
        choices = [str(path) for path in archives]
        self.app.push_screen(PromptScreen("Import app archive", "Path of a .zip (or pick one from export/apps-zip)",
                                          placeholder="/path/to/app_project.zip",
                                          choices=[self.app.redact(c) for c in choices]),
                             lambda picked: self._inspect(choices, picked))

    def _inspect(self, choices: list[str], picked: str | None) -> None:
        if picked:
            real = next((c for c in choices if self.app.redact(c) == picked), picked)
            self._call("inspect", _project_call("inspect_archive"), real)

    def _done_inspect(self, info: Any, context: dict[str, Any]) -> None:
        if not info.exists:
            self._call("change", _project_call("import_app"), str(info.path), activate=True)
            return

        def overwrite(yes: bool | None) -> None:
            if yes:
                self._call("change", _project_call("import_app", overwrite=True), str(info.path), activate=True)

        self.app.push_screen(ConfirmScreen("Overwrite?", f"{info.app} already exists. Replace it with the "
                                           f"archive's {info.files} files?", "Overwrite"), overwrite)

    def action_save(self) -> None:
        from engine.projects import save_file

        editor = self.query_one(ProjectEditor)
        if editor.loaded is not None:
            self.app.call_engine("save_file", save_file, editor.loaded, editor.text, reply_to=self,
                                 context={"app": self.selected_app})

    def action_refresh(self) -> None:
        self.reload()

    def action_toggle_files(self) -> None:
        switcher = self.query_one("#project-switcher", ContentSwitcher)
        switcher.current = "project-files" if switcher.current == "project-health" else "project-health"
