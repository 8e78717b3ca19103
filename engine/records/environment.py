"""The resolved packages of an environment, read from its ``*.dist-info`` folders and cached per env.

Reading folder names costs a directory listing, not a subprocess (``uv pip freeze`` takes ~100 ms);
the cache is keyed by the site-packages folder's mtime, which changes whenever a package is
installed or removed.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

_CACHE: dict[str, tuple[int, dict[str, Any]]] = {}
_DIST = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.dist-info$")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def site_packages(venv: Path) -> Path | None:
    for candidate in sorted((venv / "lib").glob("python*/site-packages")):
        if candidate.is_dir():
            return candidate
    return None


def _python_version(venv: Path) -> str | None:
    try:
        for line in (venv / "pyvenv.cfg").read_text("utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version_info", "version"):
                return value.strip()
    except OSError:
        pass
    return None


def environment_packages(venv: Path | str) -> dict[str, Any]:
    """``{venv, python, packages: {name: version}, digest}``; an absent env gives empty packages."""
    venv = Path(venv)
    site = site_packages(venv)
    if site is None:
        return {"venv": str(venv), "python": None, "packages": {}, "digest": None}
    try:
        stamp = site.stat().st_mtime_ns
    except OSError:
        stamp = 0
    cached = _CACHE.get(str(site))
    if cached and cached[0] == stamp:
        return cached[1]
    packages: dict[str, str] = {}
    with os.scandir(site) as entries:
        for entry in entries:
            match = _DIST.match(entry.name)
            if match:
                packages[_normalise(match["name"])] = match["version"]
    packages = dict(sorted(packages.items()))
    digest = hashlib.sha256("\n".join(f"{k}=={v}" for k, v in packages.items()).encode()).hexdigest()
    info = {"venv": str(venv), "python": _python_version(venv), "packages": packages, "digest": digest}
    _CACHE[str(site)] = (stamp, info)
    return info
