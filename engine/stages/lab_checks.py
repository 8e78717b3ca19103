"""Values of a ``lab_stages.toml`` that parse as TOML but cannot mean anything: refused, never coerced.

``C = 5`` used to run the code ``5``, an unknown ``R`` ran as ``runpy`` anyway, and a saved order
``[0, 0, 5]`` ran stage 0 twice and dropped 5 without a word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import SettingsError

KNOWN_RUNNERS = ("runpy", "agi.run")
"""Stage engines (``R``) this program can run; empty means AGILab's default, ``runpy``."""
_TEXT_KEYS = ("D", "Q", "M", "C", "R", "E")


def _stage_line(text: str, module: str, index: int, key: str) -> int | None:
    """Line of ``key`` inside the ``index``-th ``[[module]]`` table (or inline entry) of ``text``."""
    headers = [m.start() for m in re.finditer(rf"^\s*\[\[\s*\"?{re.escape(module)}\"?\s*\]\]", text, re.MULTILINE)]
    start = headers[index] if index < len(headers) else 0
    end = headers[index + 1] if index + 1 < len(headers) else len(text)
    match = re.compile(rf"^\s*{re.escape(key)}\s*=", re.MULTILINE).search(text, start, end)
    if match is None:
        match = re.compile(rf"\b{re.escape(key)}\s*=").search(text, start, end)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf'^\s*"?{re.escape(key)}"?\s*=', text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def check_lab(path: Path, text: str, modules: Mapping[str, list[Any]], meta: Mapping[str, Any] | None) -> None:
    """Refuse non-text stage fields, unknown runners, and saved orders that repeat or miss stages."""
    for module, stages in modules.items():
        for index, stage in enumerate(stages):
            if not isinstance(stage, Mapping):
                continue
            for key in _TEXT_KEYS:
                if key in stage and not isinstance(stage[key], str):
                    raise SettingsError(path, f"must be a string, got {type(stage[key]).__name__} {stage[key]!r}",
                                        line=_stage_line(text, module, index, key), key=f"{module}[{index}].{key}")
            runner = str(stage.get("R") or "").strip()
            if runner and runner not in KNOWN_RUNNERS:
                raise SettingsError(path, f"unknown runner '{runner}' (known: {', '.join(KNOWN_RUNNERS)})",
                                    line=_stage_line(text, module, index, "R"), key=f"{module}[{index}].R")
    for key, value in (meta or {}).items():
        if not key.endswith("__sequence") or not isinstance(value, list):
            continue
        module = key[: -len("__sequence")]
        total = len(modules.get(module, []))
        problems = []
        seen: set[int] = set()
        for item in value:
            if item in seen:
                problems.append(f"stage {item} twice")
            seen.add(item)
        missing = [i for i in value if not 0 <= i < total]
        if missing:
            problems.append(f"no stage {', '.join(map(str, missing))} (the lab has {total} stage(s))")
        if problems:
            raise SettingsError(path, f"run order {value} lists {'; '.join(problems)}",
                                line=_line_of(text, key), key=f"__meta__.{key}")
