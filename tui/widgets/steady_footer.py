"""A footer that changes only the keys that changed.

Textual's ``Footer`` removes and mounts all of its keys again whenever the screen's bindings are refreshed:
on every focus move, and when an operation starts or ends (Run greys out, Cancel appears). Measured in
``tests/bench/bench_tui.py``, that rebuild was most of the 40-70 ms a key pressed just after RUN waited for
its frame (median 48 ms with it, 20 ms without it). ``SteadyFooter`` works out the keys Textual's own
``compose`` would show and shows them with the FooterKeys it already has, one per binding: a key wanted
again is shown (greyed or not) and put in its place, a key not wanted is hidden, and only a binding never
shown before gets a FooterKey mounted. Key groups, which it does not model, get Textual's full rebuild, so
what is shown is always what ``Footer`` would show (``tests/tui/test_steady_footer.py``). Once each page
has been shown, a page switch mounts nothing and resizes no key.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Identity = tuple[str, str, str, str, str, bool]
"""What tells one footer key from another: key, display, description, action, tooltip, palette or not."""


class KeySpec(NamedTuple):
    """One key of the footer as ``Footer.compose`` builds it."""

    key: str
    key_display: str
    description: str
    action: str
    tooltip: str
    palette: bool
    enabled: bool

    @property
    def identity(self) -> Identity:
        return self[:6]


def shown_identity(key: FooterKey) -> Identity:
    return (key.key, key.key_display, key.description, key.action, str(key.tooltip or ""),
            key.has_class("-command-palette"))


class SteadyFooter(Footer):
    """``Footer``, updated key by key when the bindings change."""

    _update_scheduled = False

    def bindings_changed(self, screen: Any) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._update_scheduled:
            self._update_scheduled = True  # one update for a burst of changes (a focus move sends several)
            self.call_after_refresh(self._update_keys)

    def update_now(self) -> None:
        """Show the keys of the bindings as they are now, without waiting for the change's news.

        A page key moves focus in its own action, and the footer would hear of the new bindings only after
        the screen painted the new page: a second full layout and frame, a slot or two behind the first,
        while the first showed the old page's keys. Called right after the move, the keys change in the
        same layout as the page; the news, when it comes, finds nothing left to change."""
        if self.is_attached and self.screen is self.app.screen and self.app.app_focus:
            self._update_keys()

    def wanted_keys(self) -> list[KeySpec] | None:
        """The keys ``Footer.compose`` would show now, in its order; None when a key group is involved."""
        active = self.screen.active_bindings
        first_by_action: dict[str, tuple[Any, bool, str]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                first_by_action.setdefault(binding.action, (binding, enabled, tooltip))
        if any(binding.group is not None for binding, _, _ in first_by_action.values()):
            return None
        display = self.app.get_key_display
        keys = [KeySpec(b.key, display(b), b.description, b.action, str(tooltip or ""), False, enabled)
                for b, enabled, tooltip in first_by_action.values()]
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, b, enabled, _tooltip = found
                keys.append(KeySpec(b.key, display(b), b.description, b.action, str(b.tooltip or b.description),
                                    True, enabled))
        return keys

    def _update_keys(self) -> None:
        """Make the keys shown the wanted ones, in their order: each key reuses the FooterKey that showed the
        same binding before (shown again, greyed or not), keys not wanted are hidden, and only bindings never
        shown yet get a FooterKey mounted.

        A FooterKey keeps its text for good. Changing a key's text in place changes its width, and a widget
        whose size changes asks for another layout once the current one is done: every page switch laid the
        screen out twice, the second time a frame after the page itself. Hidden keys come back at the size
        they had, so after each page has been shown once a page switch changes no key's size and mounts
        nothing."""
        self._update_scheduled = False
        if not self.is_attached or self._closing or self._pruning:
            return  # closing: a mount would be refused, leaving the new keys out of the list ordered below
        wanted = self.wanted_keys()
        children = [child for child in self.children if not child._pruning]
        if wanted is None or not all(isinstance(child, FooterKey) for child in children):
            self.call_after_refresh(self.recompose)  # what Footer does on every change
            return
        self.styles.grid_size_columns = sum(not spec.palette for spec in wanted)
        spare: dict[Identity, list[FooterKey]] = {}
        for child in children:
            spare.setdefault(shown_identity(child), []).append(child)  # type: ignore[arg-type]
        shown: list[FooterKey] = []
        for spec in wanted:
            bucket = spare.get(spec.identity)
            if bucket:
                key = bucket.pop(0)
                self._show(key, spec)
            else:
                key = self._new_key(spec)
                if shown:
                    self.mount(key, after=shown[-1])
                elif self.children:
                    self.mount(key, before=0)
                else:
                    self.mount(key)
            shown.append(key)
        # The grid places the displayed keys in DOM order: put each one after the key before it, where not.
        for before, key in zip(shown, shown[1:], strict=False):
            if self.children.index(key) < self.children.index(before):
                self.move_child(key, after=before)
        for bucket in spare.values():
            for key in bucket:
                if key.display:
                    key.display = False

    @staticmethod
    def _show(key: FooterKey, spec: KeySpec) -> None:
        if not key.display:
            key.display = True
        if key._disabled == spec.enabled:
            key._disabled = not spec.enabled
            key.set_class(not spec.enabled, "-disabled")

    def _new_key(self, spec: KeySpec) -> FooterKey:
        classes = "-command-palette" if spec.palette else ("-compact" if self.compact else "")
        key = FooterKey(spec.key, spec.key_display, spec.description, spec.action, disabled=not spec.enabled,
                        tooltip=spec.tooltip, classes=classes)
        if not spec.palette:
            from textual._context import active_message_pump

            # data_bind binds to the message pump running now; after a refresh that is the App's.
            token = active_message_pump.set(self)
            try:
                key.data_bind(compact=Footer.compact)
            finally:
                active_message_pump.reset(token)
        return key
