"""What each verbosity (``[cluster] verbose``, 0-3) lets through to the live run log.

0 quiet: errors, warnings and the engine's one-line milestones; 1 info: plus the workers' own output and the
runner's ``dask:`` report of the connected workers (ORCHESTRATE's cluster workers table reads it);
2 debug: plus the runner's implementation / transfer reports and Dask's INFO lines;
3 trace: everything, Dask's DEBUG chatter included. ``run.log`` always keeps every line (the run record
is evidence); only what is shown while running follows the setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DASK_LEVEL = re.compile(r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b")
_PROBLEM = re.compile(r"(?i)\b(error|exception|traceback|warning|failed|lost)\b|^\s*✗")
DEBUG_PREFIXES = ("implementation: ", "transfer: ")
INFO_PREFIXES = ("dask: ",)


def line_level(source: str, line: str) -> int:
    """The lowest verbosity at which ``line`` from ``source`` is shown."""
    if _PROBLEM.search(line):
        match = _DASK_LEVEL.search(line)
        if match is None or match.group(1) in ("WARNING", "ERROR", "CRITICAL"):
            return 0
    match = _DASK_LEVEL.search(line) if " - distributed." in line or line.startswith("distributed.") else None
    if match is not None:
        return 3 if match.group(1) == "DEBUG" else 2
    if source == "engine":
        return 2 if line.startswith(DEBUG_PREFIXES) else 1 if line.startswith(INFO_PREFIXES) else 0
    return 1


def level_filter(verbose: int) -> Callable[[str, str], bool]:
    """A ``(source, line) -> shown`` predicate for the given verbosity."""
    return lambda source, line: line_level(source, line) <= verbose
