"""A footer that changes only the keys that changed.

Textual's ``Footer`` removes and mounts all of its keys again whenever the screen's bindings are refreshed:
on every focus move, and when an operation starts or ends (Run greys out, Cancel appears). Measured in
``tests/bench/bench_tui.py``, that rebuild was most of the 40-70 ms a key pressed just after RUN waited for
its frame (median 48 ms with it, 20 ms without it). ``SteadyFooter`` works out the keys Textual's own
``compose`` would show, and when only some differ it greys or ungreys keys in place, removes the keys that
went and mounts the ones that came, where they belong. Anything it does not model (key groups, a reordering)
gets Textual's full rebuild, so what is shown is always what ``Footer`` would show.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


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
    def identity(self) -> tuple[str, str, str, str, str, bool]:
        return self[:6]


def shown_identity(key: FooterKey) -> tuple[str, str, str, str, str, bool]:
    return (key.key, key.key_display, key.description, key.action, str(key.tooltip or ""),
            key.has_class("-command-palette"))


class SteadyFooter(Footer):
    """``Footer``, updated key by key when the bindings change."""

    def bindings_changed(self, screen: Any) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

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

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = self.wanted_keys()
        shown = list(self.children)
        if wanted is None or not all(isinstance(key, FooterKey) for key in shown):
            await self.recompose()
            return
        targets = [spec.identity for spec in wanted]
        current = [shown_identity(key) for key in shown]  # type: ignore[arg-type]
        if len(set(targets)) != len(targets) or len(set(current)) != len(current):
            await self.recompose()
            return
        kept = [key for key, identity in zip(shown, current) if identity in set(targets)]
        if [shown_identity(key) for key in kept] != [t for t in targets if t in set(current)]:
            await self.recompose()  # the same keys in another order
            return
        for key, identity in zip(shown, current):
            if identity not in set(targets):
                await key.remove()
        by_identity = {shown_identity(key): key for key in kept}
        self.styles.grid_size_columns = sum(not spec.palette for spec in wanted)
        after: FooterKey | None = None
        for spec in wanted:
            key = by_identity.get(spec.identity)
            if key is None:
                key = self._new_key(spec)
                if after is None:
                    await self.mount(key, before=0) if self.children else await self.mount(key)
                else:
                    await self.mount(key, after=after)
            elif key._disabled == spec.enabled:
                key._disabled = not spec.enabled
                key.set_class(not spec.enabled, "-disabled")
            after = key

    def _new_key(self, spec: KeySpec) -> FooterKey:
        key = FooterKey(spec.key, spec.key_display, spec.description, spec.action, disabled=not spec.enabled,
                        tooltip=spec.tooltip, classes="-command-palette" if spec.palette else "")
        if not spec.palette:
            from textual._context import active_message_pump

            # data_bind binds to the message pump running now; after a refresh that is the App's.
            token = active_message_pump.set(self)
            try:
                key.data_bind(compact=Footer.compact)
            finally:
                active_message_pump.reset(token)
        return key
