"""Alt+digit from a real terminal: ESC followed by a digit must read as ``alt+1`` ... ``alt+4``.

Textual's sequence table turns ``ESC 1`` into ``¡`` (the macOS Option-layer character), so in tmux, a
terminal emulator or the browser's xterm.js, alt+1 would type ``¡`` into a field instead of switching
pages. The App re-maps the page keys' sequences to key names, once, before its driver starts reading;
a ``¡`` typed as such (its own UTF-8 bytes) still arrives as ``¡``.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_DIGITS = "1234"


@dataclass(frozen=True)
class _KeyName:
    """Stands where Textual's table expects a ``Keys`` member: only ``.value`` (the key name) is read."""

    value: str


def read_alt_digits_as_alt_keys() -> None:
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    for digit in PAGE_DIGITS:
        ANSI_SEQUENCES_KEYS[f"\x1b{digit}"] = (_KeyName(f"alt+{digit}"),)  # type: ignore[assignment]
