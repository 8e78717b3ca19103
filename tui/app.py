"""The Textual shell: four tabs, global keys, the command palette, and the App-level engine workers.

How a page plugs in (the full contract is in ``tui/page.py``): a view widget per tab,
``BINDINGS`` with ids and tooltips (listed by F1), ``palette_commands()`` titled ``"group: verb"``
(gathered here into the palette), ``app.run_operation(op, view)`` for long engine operations
(events come back as ``EngineEventMessage``), ``app.call_engine(tag, fn, ..., reply_to=view)`` for
blocking calls (``EngineCallDone``), ``app.set_active_app(name)`` to switch projects, and
``app.redact(text)`` and ``app.clock`` (fixed in test mode) for deterministic screenshots.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from tui.clock import Clock, FixedClock
from tui.fast_compositor import install as install_fast_compositor
from tui.gc_policy import GcPolicy
from tui.keys import read_alt_digits_as_alt_keys
from tui.messages import ActiveAppChanged, EngineCallDone, EngineEventMessage, JobStateChanged, OperationDone
from tui.paint_now import paint_now
from tui.widgets.page_tabs import PageTabs
from tui.widgets.status_line import StatusLine
from tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from engine.facade import Engine
    from engine.operation import Operation

TEST_MODE_ENV = "AGILAB_TUI_TEST_MODE"
PAGES: tuple[tuple[str, str, str, str], ...] = (
    # tab id, label, module, view class
    ("project", "PROJECT", "tui.project.screen", "ProjectView"),
    ("orchestrate", "ORCHESTRATE", "tui.orchestrate.screen", "OrchestrateView"),
    ("workflow", "WORKFLOW", "tui.workflow.screen", "WorkflowView"),
    ("analysis", "ANALYSIS", "tui.analysis.screen", "AnalysisView"),
)
DEFAULT_TAB = "orchestrate"
_MAX_PENDING_MESSAGES = 32


def _load_view(module: str, class_name: str) -> Widget:
    """Build a page view; a page that fails to import shows its error instead of breaking the app."""
    try:
        return getattr(importlib.import_module(module), class_name)()
    except Exception as exc:  # one broken page must not take the other three down
        return Static(f"{class_name} could not be loaded:\n{type(exc).__name__}: {exc}", classes="page-error")


class AgilabApp(App[None]):
    """agilab-tui: PROJECT, ORCHESTRATE, WORKFLOW and ANALYSIS over one engine."""

    CSS_PATH = "app.tcss"
    TITLE = "agilab-tui"
    BINDINGS = [
        # Digits are plain keys: they switch pages only while nothing that takes text has focus (check_action).
        Binding("1", "show_tab('project')", "Project", show=False, id="go.project", tooltip="Show the PROJECT page"),
        Binding("2", "show_tab('orchestrate')", "Orchestrate", show=False, id="go.orchestrate",
                tooltip="Show the ORCHESTRATE page"),
        Binding("3", "show_tab('workflow')", "Workflow", show=False, id="go.workflow",
                tooltip="Show the WORKFLOW page"),
        Binding("4", "show_tab('analysis')", "Analysis", show=False, id="go.analysis",
                tooltip="Show the ANALYSIS page"),
        # Priority: these work from anywhere, the code editor and inputs included.
        Binding("alt+1", "go_tab('project')", "Project", show=False, priority=True, id="go.alt-project",
                tooltip="Show the PROJECT page (also while typing)"),
        Binding("alt+2", "go_tab('orchestrate')", "Orchestrate", show=False, priority=True,
                id="go.alt-orchestrate", tooltip="Show the ORCHESTRATE page (also while typing)"),
        Binding("alt+3", "go_tab('workflow')", "Workflow", show=False, priority=True, id="go.alt-workflow",
                tooltip="Show the WORKFLOW page (also while typing)"),
        Binding("alt+4", "go_tab('analysis')", "Analysis", show=False, priority=True, id="go.alt-analysis",
                tooltip="Show the ANALYSIS page (also while typing)"),
        Binding("ctrl+pageup", "step_tab(-1)", "Previous page", show=False, priority=True, id="go.previous",
                tooltip="Show the page on the left (also while typing)"),
        Binding("ctrl+pagedown", "step_tab(1)", "Next page", show=False, priority=True, id="go.next",
                tooltip="Show the page on the right (also while typing)"),
        Binding("f1", "help", "Help", id="app.help", tooltip="List the keys of the current page"),
        Binding("f8", "save_screenshot", "Screenshot", show=False, id="app.screenshot",
                tooltip="Save an SVG screenshot in the current folder and show its path"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit", tooltip="Quit agilab-tui"),
    ]

    def __init__(self, engine: Engine | Callable[[], Engine], *, test_mode: bool = False):
        read_alt_digits_as_alt_keys()  # before the driver reads input: ESC 1 must be alt+1, not "¡"
        install_fast_compositor()  # frames skip rendering what is hidden under other widgets
        super().__init__()
        # Modules and classes imported so far live as long as the process: keep them out of the collector's
        # full passes, which otherwise cost tens of ms during startup and during every long log stream.
        gc.freeze()
        self._gc_paused = False
        # A factory defers importing and building the engine (pydantic, settings, workspace) past the first frame.
        self._engine: Engine | None = None if callable(engine) else engine
        self._engine_factory = engine if callable(engine) else None
        self._engine_lock = threading.Lock()
        self.test_mode = test_mode
        """Fixed clock, and hostnames and tmp paths redacted, so screenshots are deterministic."""
        self.clock: Clock = FixedClock() if test_mode else Clock()
        """Where widgets read time and measured durations (fixed in test mode: numbers shown, never changing)."""
        self.operations: dict[str, Operation] = {}
        """Running operations by op id."""
        self._pending_done: dict[str, OperationDone] = {}
        """The latest finished operation each hidden page has not been told about yet."""
        self.gc_policy = GcPolicy()
        """Holds the collector's full passes while operations stream and keys come (tui/gc_policy.py)."""
        if test_mode:
            self.animation_level = "none"

    @property
    def engine(self) -> Engine:
        """The engine every page talks to, built on first use (views may first ask from a worker thread)."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None and self._engine_factory is not None:
                    self._engine = self._engine_factory()
        assert self._engine is not None
        return self._engine

    # --- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Until the first frame is painted, no collections at all (given back in _after_first_frame): building
        # the first page allocates tens of thousands of objects that live on, and ~120 young collections over
        # them cost 15-25 ms of startup. Here, not in __init__: an app built but never run must not leave the
        # collector off.
        self._gc_paused = gc.isenabled()
        gc.disable()
        yield StatusLine(id="status-line")
        with PageTabs(initial=DEFAULT_TAB, id="tabs"):
            for index, (tab_id, label, module, class_name) in enumerate(PAGES, start=1):
                with TabPane(f"{index} {label}", id=tab_id):
                    # Other pages are imported and mounted after the first frame (_mount_other_pages).
                    if tab_id == DEFAULT_TAB:
                        yield _load_view(module, class_name)
        yield SteadyFooter()  # keys updated one by one, not all rebuilt on each bindings change

    def on_mount(self) -> None:
        # Reading settings needs the engine: do it once the first frame is on screen.
        self.call_after_refresh(self._after_first_frame)
        self.call_after_refresh(self._focus_tab, DEFAULT_TAB)

    async def _after_first_frame(self) -> None:
        self._resume_gc()
        self.refresh_status()
        await self._mount_other_pages()
        # The pages live as long as the app: freeze them too (a full pass over a 200k-object heap takes
        # ~100 ms, which would land in the middle of a log stream).
        gc.freeze()

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def on_unmount(self) -> None:
        self._resume_gc()  # an app that exits before its first frame
        # Hand the frozen objects back to the collector, so an app that has exited can be reclaimed.
        gc.unfreeze()
        self.gc_policy.release()  # the thresholds are the process's, not this app's

    async def _mount_other_pages(self) -> None:
        """Import and mount the non-default pages, one at a time so input is handled in between."""
        for tab_id, _, module, class_name in PAGES:
            if tab_id == DEFAULT_TAB:
                continue
            pane = self.screen_stack[0].query_one(f"#{tab_id}", TabPane)
            if not self.is_running or not pane.is_attached:
                return  # the app exited before its first frame was followed up
            if pane.children:
                continue  # composed already (e.g. an app that puts its own widget in that tab)
            await pane.mount(_load_view(module, class_name))
            if self.query_one("#tabs", TabbedContent).active == tab_id:
                self._focus_tab(tab_id)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.gc_policy.key_pressed(self)  # a full collection waits for a quiet moment
        await super().on_event(event)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A blinking cursor would make screenshots differ from run to run.
        if self.test_mode and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False

    # --- tabs, help, status --------------------------------------------------------------------
    def view(self, tab_id: str) -> Widget | None:
        """The view widget mounted in a tab (None until a lazy pane has mounted, or once the App has exited)."""
        if not self.screen_stack:
            return None  # shutting down: a late TabActivated finds no screen left
        pane = self.screen_stack[0].query_one(f"#{tab_id}", TabPane)
        return next(iter(pane.children), None)

    def action_show_tab(self, tab_id: str) -> None:
        focused = self.focused
        if focused is not None and self.screen is self.screen_stack[0]:
            pane = self.screen_stack[0].query_one(f"#{tab_id}", TabPane)
            if pane not in focused.ancestors:
                # Focus left in the page being hidden would pull its tab back (and a page still mounting
                # has nothing to take it yet).
                self.set_focus(None)
        self.query_one("#tabs", TabbedContent).active = tab_id
        # Now, not after the next repaint: a key sent right behind this one (alt+2 then ctrl+b) must find
        # the page focused, or the page's bindings do not fire.
        self._focus_tab(tab_id)
        # The new page and its footer keys in one layout, painted now rather than at the screen's next update
        # slot (tui/paint_now.py says why that is sooner). The focused widget takes its focus style here: its
        # Focus event, still queued, would set it a few messages later, after this frame.
        focused = self.focused
        if focused is not None and not focused.has_focus:
            focused.has_focus = True
        self.query_one(SteadyFooter).update_now()
        paint_now(self.screen)

    def action_go_tab(self, tab_id: str) -> None:
        """The priority twin of ``show_tab``: never refused while typing."""
        self.action_show_tab(tab_id)

    def action_step_tab(self, step: int) -> None:
        ids = [tab_id for tab_id, *_ in PAGES]
        active = self.query_one("#tabs", TabbedContent).active
        index = ids.index(active) if active in ids else 0
        self.action_show_tab(ids[(index + step) % len(ids)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A single character typed into a field is text, never a command (the alt/ctrl keys still work).
        if action == "show_tab" and typing_focus(self.focused):
            return False
        return super().check_action(action, parameters)

    def action_save_screenshot(self) -> None:
        """F8: write an SVG of the current screen in the current folder and say where."""
        from tui.screenshot import save_svg

        try:
            path = save_svg(self, Path.cwd())
        except OSError as exc:
            self.notify(f"screenshot not written: {exc}", title="F8", severity="error")
            return
        self.notify(f"screenshot saved to {path}", title="F8", timeout=6)

    def _focus_tab(self, tab_id: str, *, unless_inside: bool = False) -> None:
        if self.query_one("#tabs", TabbedContent).active != tab_id:
            return  # another page was chosen meanwhile: focusing this one would pull its tab back
        focused = self.focused
        if unless_inside and focused is not None and self.screen_stack[0].query_one(f"#{tab_id}") in focused.ancestors:
            return  # the page took focus already (on the switch itself): keys since then may have moved it
        view = self.view(tab_id)
        focus_first = getattr(view, "focus_first", None)
        if callable(focus_first):
            focus_first()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.call_after_refresh(self._focus_tab, event.pane.id, unless_inside=True)
            done = self._pending_done.pop(event.pane.id, None)
            view = self.view(event.pane.id)
            if done is not None and view is not None:
                view.post_message(done)

    def action_help(self) -> None:
        from tui.help import HelpScreen, page_bindings

        tab_id = self.query_one("#tabs", TabbedContent).active
        label = next(label for pid, label, *_ in PAGES if pid == tab_id)
        app_bindings = [b for b in self.BINDINGS if isinstance(b, Binding)]
        self.push_screen(HelpScreen(label, page_bindings(self.view(tab_id)), app_bindings))

    def refresh_status(self, mode_label: str | None = None) -> None:
        """Re-read the active app (and its mode unless given) into the status line."""
        try:
            status = self.screen_stack[0].query_one(StatusLine)
        except (NoMatches, IndexError):  # a reply that arrives while the app shuts down has nowhere to go
            return
        try:
            app = self.engine.active_app()
            status.app_name = app.name
            status.mode_label = mode_label or self.engine.settings(app).mode_label
        except Exception as exc:  # a malformed settings file is reported by ORCHESTRATE, not here
            status.mode_label = f"unreadable settings ({type(exc).__name__})"

    def set_active_app(self, name: str) -> None:
        """Make ``name`` the active app and tell every view."""
        self.engine.set_active_app(name)
        self.refresh_status()
        for tab_id, *_ in PAGES:
            view = self.view(tab_id)
            if view is not None:
                view.post_message(ActiveAppChanged(name))

    def redact(self, text: str) -> str:
        """In test mode replace the workspace root, repo root and host name by stable placeholders."""
        if not self.test_mode:
            return text
        from engine.workspace import REPO_ROOT

        for value, placeholder in ((str(self.engine.workspace.root), "$AGILAB_TUI_HOME"),
                                   (str(REPO_ROOT), "$REPO"), (socket.gethostname(), "$HOST")):
            if value:
                text = text.replace(value, placeholder)
        return text

    # --- palette -----------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for tab_id, label, *_ in PAGES:
            yield SystemCommand(f"go: {tab_id}", f"Show the {label} page", self._tab_command(tab_id))
        yield SystemCommand("help: keys of this page", "Open the F1 help screen", self.action_help)
        for tab_id, *_ in PAGES:
            view = self.view(tab_id)
            commands = getattr(view, "palette_commands", None)
            if callable(commands):
                for command in commands():
                    yield SystemCommand(command.title, command.help, self._page_command(tab_id, command.callback))

    def _tab_command(self, tab_id: str) -> Callable[[], None]:
        return lambda: self.action_show_tab(tab_id)

    def _page_command(self, tab_id: str, callback: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            self.query_one("#tabs", TabbedContent).active = tab_id
            return callback()

        return run

    # --- engine plumbing ------------------------------------------------------------------------
    @work(group="runs", exit_on_error=False)
    async def run_operation(self, operation: Operation, target: MessagePump) -> dict[str, Any] | None:
        """Stream an operation's events to ``target`` as ``EngineEventMessage``; returns its result."""
        self.operations[operation.op_id] = operation
        self._post_job_state()
        self.gc_policy.operation_started(self)
        try:
            async with operation:
                async for event in operation.events():
                    # Backpressure (toolong): let the UI drain before pulling more from the engine.
                    while target.message_queue_size > _MAX_PENDING_MESSAGES:
                        await asyncio.sleep(0.01)
                    target.post_message(EngineEventMessage(operation, event))
        finally:
            self.gc_policy.operation_ended()
            self.operations.pop(operation.op_id, None)
            self._post_job_state()
            self._announce_done(operation)
        return operation.result

    def _announce_done(self, operation: Operation) -> None:
        """Tell the page on screen now, and each hidden page when it is next shown (see ``OperationDone``)."""
        try:
            active = self.screen_stack[0].query_one("#tabs", TabbedContent).active
        except (NoMatches, IndexError):  # the app is shutting down
            return
        for tab_id, *_ in PAGES:
            done = OperationDone(operation.kind, operation.app, operation.error is None, dict(operation.result or {}))
            view = self.view(tab_id)
            if view is None:
                continue  # a page mounted later reads everything fresh anyway
            if tab_id == active:
                view.post_message(done)
            else:
                self._pending_done[tab_id] = done

    def cancel_operation(self, operation: Operation) -> None:
        """Ask the engine to cancel; the cancelled terminal event still reaches the view."""
        self.run_worker(operation.cancel(), group="cancel", exit_on_error=False)

    def _post_job_state(self) -> None:
        kinds = tuple(op.kind for op in self.operations.values())
        self.query_one(StatusLine).jobs = kinds
        for tab_id, *_ in PAGES:
            view = self.view(tab_id)
            if view is not None:
                view.post_message(JobStateChanged(kinds))

    @work(thread=True, group="engine", exit_on_error=False)
    def call_engine(self, tag: str, fn: Callable[..., Any], *args: Any, reply_to: MessagePump,
                    context: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Run a blocking engine call in a thread and post ``EngineCallDone`` to ``reply_to``."""
        try:
            value, error = fn(*args, **kwargs), None
        except Exception as exc:  # delivered to the view, which shows it where it belongs
            value, error = None, exc
        reply_to.post_message(EngineCallDone(tag, value, error, context or {}))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(f"{type(error).__name__}: {error}", title="Internal error", severity="error")


def typing_focus(widget: Widget | None) -> bool:
    """True when ``widget`` takes typed characters (an Input, a TextArea or a widget built on one)."""
    from textual.widgets import Input, TextArea

    return isinstance(widget, (Input, TextArea))


def env_test_mode() -> bool:
    return os.environ.get(TEST_MODE_ENV, "") not in ("", "0", "false")


def make_app(engine: Engine | None = None, *, test_mode: bool | None = None) -> AgilabApp:
    """Build the app on ``engine`` (default: the real engine on ``$AGILAB_TUI_HOME``)."""
    return AgilabApp(engine or _real_engine, test_mode=env_test_mode() if test_mode is None else test_mode)


def _real_engine() -> Engine:
    from engine.facade import Engine

    return Engine(workspace=None)
