"""The execution-mode bitmask shared with AGILab: pool=1, cython=2, cluster (Dask)=4, rapids=8."""

from __future__ import annotations

import re

from .errors import ModeError

POOL_MODE = 1
CYTHON_MODE = 2
DASK_MODE = 4
RAPIDS_MODE = 8
RUN_MASK = 0b1111
INSTALL_MODE = 0b01 << 4

_BIT_NAMES = ((RAPIDS_MODE, "rapids"), (DASK_MODE, "dask"), (CYTHON_MODE, "cython"), (POOL_MODE, "pool"))
_TOKEN_LETTERS = ((RAPIDS_MODE, "r"), (DASK_MODE, "d"), (CYTHON_MODE, "c"), (POOL_MODE, "p"))
_TOKEN_PATTERN = re.compile(r"^[dcrp]+$")


def compute_mode(*, pool: bool = False, cython: bool = False, cluster: bool = False, rapids: bool = False) -> int:
    """The AGILab UI formula: pool + 2*cython + 4*cluster_enabled + 8*rapids."""
    return int(bool(pool)) + 2 * int(bool(cython)) + 4 * int(bool(cluster)) + 8 * int(bool(rapids))


def validate_mode(mode: int) -> int:
    """Return ``mode`` when it only uses the four run bits, else raise a :class:`ModeError`."""
    if isinstance(mode, bool) or not isinstance(mode, int):
        raise ModeError(f"mode must be an integer 0-15, got {mode!r}")
    if mode < 0 or mode & ~RUN_MASK:
        unknown = mode & ~RUN_MASK if mode >= 0 else mode
        raise ModeError(f"unknown mode bits in {mode} (0b{mode:b}): only pool=1, cython=2, dask=4, rapids=8 exist"
                        f" (stray value {unknown})")
    return mode


def mode_token(mode: int) -> str:
    """The 4-slot benchmark token, ``r d c p`` with ``_`` for an off bit (``5`` -> ``_d_p``)."""
    validate_mode(mode)
    return "".join(letter if mode & bit else "_" for bit, letter in _TOKEN_LETTERS)


def mode_from_token(token: str) -> int:
    """Parse a ``dcrp`` letter string (as AGILab's ``mode2int``); underscores are allowed as off slots."""
    letters = token.replace("_", "")
    if not letters:
        return 0
    if not _TOKEN_PATTERN.match(letters):
        raise ModeError(f"mode token {token!r} may only contain the letters d, c, r, p")
    return sum(bit for bit, letter in _TOKEN_LETTERS if letter in letters)


def mode_label(mode: int) -> str:
    """Human label in AGILab's style, e.g. ``0: python``, ``5: dask and pool``, ``13: rapids and dask and pool``."""
    validate_mode(mode)
    if mode == 0:
        return "0: python"
    if mode == DASK_MODE:
        return "4: dask (pools in-worker)"
    names = [name for bit, name in _BIT_NAMES if mode & bit]
    return f"{mode}: " + " and ".join(names)


MODE_LABELS: dict[int, str] = {mode: mode_label(mode) for mode in range(16)}


def parse_mode(value: int | str) -> int:
    """Accept an int, a decimal string or a ``dcrp`` token and return a validated mode."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return validate_mode(int(text))
        return mode_from_token(text)
    return validate_mode(value)


def parse_mode_list(text: str) -> list[int]:
    """Parse ``"0,1,2,4"`` into validated modes, keeping the given order and dropping repeats."""
    modes: list[int] = []
    for part in text.split(","):
        if part.strip():
            mode = parse_mode(part)
            if mode not in modes:
                modes.append(mode)
    if not modes:
        raise ModeError(f"no mode in {text!r}")
    return modes
