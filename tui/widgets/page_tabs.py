"""Tabs over pages (the App's four, WORKFLOW's sub-pages): Textual's TabbedContent, minus the late focus
message that took a page back.

TabbedContent shows the pane that focus moves into, so focusing a widget of a hidden page brings its page
up. It learns of the move from a message the pane sends once its widget has handled its Focus event, a
few queue hops later. A page key handled in between (startup focusing ORCHESTRATE's section list, then
alt+1 already waiting: seen in tmux on a cold start) showed the new page, then the late message switched
back to the old one for good. By the time the message arrives, focus is where the key put it; a message
about a pane that no longer holds focus is stale and is dropped.
"""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class PageTabs(TabbedContent):
    """TabbedContent that follows focus only into the pane that holds it when the news arrives."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.app.focused
        if focused is None or event.tab_pane not in focused.ancestors:
            event.stop()
            event.prevent_default()  # TabbedContent's own handler would switch to that pane
