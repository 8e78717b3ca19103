"""ORCHESTRATE: system settings, install, args, distribute, run, benchmark, notebook and data export.

A section list on the left switches the section shown; every engine operation streams into the one
log pane below with a progress line. Handlers for buttons and engine results live in
:class:`~tui.orchestrate.handlers.OrchestrateHandlers`; this file holds layout, keys and routing.
"""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import ContentSwitcher, OptionList
from textual.widgets.option_list import Option

from tui.messages import EngineEventMessage, JobStateChanged
from tui.orchestrate.handlers import OrchestrateHandlers
from tui.orchestrate.routing import ClusterRouting
from tui.orchestrate.section_switch import SectionList, SectionSwitcher
from tui.orchestrate.sections import (
    SECTIONS,
    ArgsSection,
    BenchmarkSection,
    DistributeSection,
    InstallSection,
    NotebookSection,
    RunSection,
)
from tui.page import focus_first_in, focus_now
from tui.paint_now import paint_now
from tui.widgets.log_pane import LogPane
from tui.widgets.op_status import OpStatus
from tui.widgets.settings_form import SettingsForm

COMPACT_HEIGHT = 32


class OrchestrateView(ClusterRouting, OrchestrateHandlers):
    """The ORCHESTRATE page of the active app."""

    TAB_ID = "orchestrate"
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="orchestrate.run", tooltip="Run the app in the current mode"),
        Binding("ctrl+b", "install", "Install", id="orchestrate.install",
                tooltip="Install (or update) the worker environment"),
        Binding("escape", "cancel", "Cancel", id="orchestrate.cancel", tooltip="Cancel the running operation"),
        Binding("ctrl+g", "distribute", "Distribute", show=False, id="orchestrate.distribute",
                tooltip="CHECK DISTRIBUTE: build and show the work plan"),
        Binding("ctrl+l", "load_data", "Load data", show=False, id="orchestrate.load-data",
                tooltip="Preview the latest output"),
        Binding("ctrl+n", "next_section", "Next section", show=False, priority=True, id="orchestrate.next-section",
                tooltip="Show the next section"),
        Binding("ctrl+o", "previous_section", "Previous section", show=False, priority=True,
                id="orchestrate.previous-section",
                tooltip="Show the previous section"),
        Binding("ctrl+t", "open_output", "Open output", show=False, id="orchestrate.open-output",
                tooltip="Open the highlighted output of the last run in ANALYSIS"),
        Binding("ctrl+f", "log_source", "Log source", show=False, id="orchestrate.log-source",
                tooltip="Follow one log source: all, the scheduler, each worker or host in turn"),
    ]

    running: reactive[bool] = reactive(False, bindings=True)
    """True while an operation started by this page runs (enables Cancel, disables Run)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="orch-main"):
            yield SectionList(*[Option(label, id=key) for key, label in SECTIONS], id="sections")
            with SectionSwitcher(initial="system", id="section-switcher"):
                # Its form (~45 widgets) is mounted right after the first frame, first of the sections.
                with Vertical(id="system", classes="section") as system:
                    system.border_title = "System settings"
        yield OpStatus(id="op-status")
        yield LogPane(title="Log", id="orch-log")

    def on_mount(self) -> None:
        self.query_one("#sections", OptionList).highlighted = 0
        # The hidden sections and the engine load wait for the first frame: startup shows the page sooner.
        self.call_after_refresh(self._mount_sections)

    async def _mount_sections(self) -> None:
        from tui.orchestrate.data_section import DataSection
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.service_panel import ServiceSection
        if not self.is_attached or not self.app.is_running:
            return  # the app exited before its first frame was followed up
        sections = [HostsSection(id="hosts"), InstallSection(id="install"), ArgsSection(id="args"),
                    DistributeSection(id="distribute"), RunSection(id="run"), BenchmarkSection(id="benchmark"),
                    ServiceSection(id="service"), NotebookSection(id="notebook"), DataSection(id="data")]
        for section in sections:
            section.display = False  # ContentSwitcher shows only its current child
        switcher = self.query_one("#section-switcher", ContentSwitcher)
        await switcher.query_one("#system").mount(SettingsForm(id="settings-form"))
        await switcher.mount_all(sections)
        self.sections_ready = True
        self.refresh_bindings()
        highlighted = self.query_one("#sections", OptionList).highlighted
        if highlighted:  # a section chosen while the others were still being mounted
            switcher.current = SECTIONS[highlighted][0]
        self.reload()

    _prewarm_started = False

    def _show_state(self, state: dict[str, Any]) -> None:
        super()._show_state(state)
        if not self._prewarm_started:  # once the sections hold the app's state, not the empty one
            self._prewarm_started = True
            self.call_after_refresh(self._prewarm_next, [key for key, _ in SECTIONS[1:]])

    def _prewarm_next(self, keys: list[str]) -> None:
        """Render the hidden sections into their caches, one per refresh so keys are handled in between."""
        from tui.orchestrate.prewarm import prewarm_section

        if not self.is_attached or not self.app.is_running:
            return  # a freeze after the App's unfreeze on exit would pin its objects for good
        if not keys:
            self.app.gc_policy.startup_settled()
        elif prewarm_section(self, keys[0]):
            self.call_after_refresh(self._prewarm_next, keys[1:])

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(self.app.size.height < COMPACT_HEIGHT, "-compact")

    def focus_first(self) -> None:
        focus_now(self.query_one("#sections", OptionList))

    # --- sections --------------------------------------------------------------------------
    def show_section(self, key: str) -> None:
        """Switch to a section by key (``install``, ``run``...) and move the section list with it."""
        switcher = self.query_one("#section-switcher", ContentSwitcher)
        shown = switcher.current
        if self.sections_ready:
            switcher.current = key
        options = self.query_one("#sections", OptionList)
        index = next(i for i, (k, _) in enumerate(SECTIONS) if k == key)
        if options.highlighted != index:
            options.highlighted = index
        if switcher.current != shown:
            paint_now(self)

    @on(OptionList.OptionHighlighted, "#sections")
    def _section_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # A stale event (the highlight moved on before it arrived, keys outrunning messages) is dropped:
        # acting on it would move the highlight back, and two such events would bounce it for ever.
        if event.option_list.highlighted != event.option_index:
            return
        if event.option.id and self.sections_ready:
            self.show_section(event.option.id)  # up/down in the list; after ctrl+n/ctrl+o it finds nothing to do

    @on(OptionList.OptionSelected, "#sections")
    def _section_selected(self, event: OptionList.OptionSelected) -> None:
        # Enter on a section moves focus into it, so the list is one keypress from every control.
        if not self.sections_ready:
            return
        focus_first_in(self.query_one(f"#{event.option.id}"))

    def _step_section(self, step: int) -> None:
        index = self.query_one("#sections", OptionList).highlighted or 0
        self.show_section(SECTIONS[(index + step) % len(SECTIONS)][0])

    def action_next_section(self) -> None:
        self._step_section(1)

    def action_previous_section(self) -> None:
        self._step_section(-1)

    # --- keys available only in some states ----------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.sections_ready and action not in ("next_section", "previous_section"):
            return False  # the controls these act on are mounted just after the first frame
        if action == "cancel":
            return self.running
        if action in ("run", "install", "distribute"):
            return None if self.running else True
        return True

    # --- engine events -------------------------------------------------------------------------
    @on(EngineEventMessage)
    def _engine_event(self, message: EngineEventMessage) -> None:
        self.handle_event(message.operation, message.event)

    @on(JobStateChanged)
    def _jobs_changed(self, message: JobStateChanged) -> None:
        self.running = self.current is not None
