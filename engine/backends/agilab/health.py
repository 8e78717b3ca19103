"""Health of the AGILab backend: exactly what is missing for an AGILab app to run, and the fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ...errors import AgilabError
from . import paths
from .discovery import MIN_PYTHON, PYTHON_ENV, AgilabInstall, find_install

OK, WARN, FAIL = "ok", "warn", "fail"
DEFAULT_AGI_PYTHON = "3.14"  # AgiEnv's default when ~/.agilab/.env does not set AGI_PYTHON_VERSION
_INSTALL_HINT = ("python3.13 -m venv ~/agilab-venv && ~/agilab-venv/bin/pip install 'agilab[examples]' uv && "
                 f"export {PYTHON_ENV}=~/agilab-venv/bin/python")


def _card(key: str, title: str, status: str, detail: str, fix: str = "") -> Any:
    from ...health import HealthCard

    return HealthCard(key, title, status, detail, fix)


def python_version_wanted() -> str:
    return paths.read_env().get("AGI_PYTHON_VERSION") or DEFAULT_AGI_PYTHON


def interpreter_for(version: str, install: AgilabInstall) -> str | None:
    """Where uv would find ``python<version>``: the base interpreter our children get on PATH, then PATH.

    The AGILab venv's own ``bin`` is left out: uv does not take a virtualenv's interpreter to build
    another environment (it failed exactly so here), so a match there would be a false green.
    """
    venv_bin = str(install.bin_dir)
    dirs = [str(install.base_bin or "")] + [d for d in os.environ.get("PATH", "").split(os.pathsep) if d != venv_bin]
    return shutil.which(f"python{version}", path=os.pathsep.join(d for d in dirs if d))


def _pyenv_candidates(version: str) -> list[Path]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    return sorted(root.glob(f"{version}*/bin/python{version}")) if root.is_dir() else []


def cards(workspace: Any, *, mode: int | None = None) -> list[Any]:
    """One card per requirement; ``mode`` adds the cluster-share card for the Dask modes."""
    install = find_install(workspace)
    if install is None:
        return [_card("agilab", "AGILab", FAIL, "no AGILab Python found (AGILAB_PYTHON unset, no workspace "
                      "setting, no `agilab` on PATH)", f"install it and point {PYTHON_ENV} at it: {_INSTALL_HINT}")]
    out = []
    if not install.python.exists():
        return [_card("agilab", "AGILab", FAIL, f"{install.python} (from {install.source}) does not exist",
                      f"fix {PYTHON_ENV} or the workspace setting agilab_python; or: {_INSTALL_HINT}")]
    if not install.version or install.version[:2] < MIN_PYTHON:
        out.append(_card("python", "AGILab Python", FAIL, f"{install.python} is Python "
                         f"{install.version_text or '?'}; AGILab needs >= 3.12",
                         "make a venv from Python 3.12-3.14 (pyenv has 3.13 here) and install agilab[examples] in it"))
    else:
        out.append(_card("python", "AGILab Python", OK, f"{install.python} (Python {install.version_text}, "
                         f"from {install.source})"))
    if not install.has_agilab:
        out.append(_card("agilab", "AGILab", FAIL, f"{install.python} has no agilab package",
                         f"{install.python} -m pip install 'agilab[examples]' uv"))
    elif not install.has_runtime:
        out.append(_card("agilab", "AGILab", FAIL, "agilab is installed without its runtime (agi_env, agi_cluster)",
                         f"{install.python} -m pip install 'agilab[examples]'"))
    else:
        out.append(_card("agilab", "AGILab", OK, f"runtime in {install.site_packages}"))
    uv = install.uv()
    out.append(_card("uv", "uv", OK, uv) if uv else
               _card("uv", "uv", FAIL, "uv not found (AGILab runs uv sync / uv run for every app)",
                     f"{install.python} -m pip install uv"))
    wanted = python_version_wanted()
    found = interpreter_for(wanted, install)
    source = "~/.agilab/.env" if "AGI_PYTHON_VERSION" in paths.read_env() else "AgiEnv's default"
    if found:
        out.append(_card("agi_python", "AGI_PYTHON_VERSION", OK, f"{wanted} ({source}) -> {found}"))
    else:
        have = [str(p) for p in _pyenv_candidates(wanted)]
        mine = ".".join(map(str, install.version[:2])) if install.version else "3.13"
        fix = (f"put {Path(have[0]).parent} on PATH" if have else
               f"write AGI_PYTHON_VERSION={mine} into {paths.env_file()}")
        out.append(_card("agi_python", "AGI_PYTHON_VERSION", FAIL, f"Python {wanted} ({source}) is not available "
                         "to uv (downloads are off here)", fix))
    marker = paths.marker_file()
    if marker.is_file():
        out.append(_card("initialised", "AGILab initialised", OK, f"{marker}"))
    else:
        out.append(_card("initialised", "AGILab initialised", WARN, f"{marker} missing: built-in apps are taken "
                         "from site-packages", f"HOME={paths.home()} {install.bin_dir / 'agilab'} first-proof --json"))
    if mode is not None and mode & 4:
        share = paths.cluster_share()
        env_share = paths.read_env().get("AGI_CLUSTER_SHARE")
        if share.is_dir() and os.access(share, os.W_OK):
            out.append(_card("cluster_share", "Cluster share", OK, str(share)))
        elif env_share and Path(env_share).expanduser().is_dir():
            out.append(_card("cluster_share", "Cluster share", OK, f"{env_share} (AGI_CLUSTER_SHARE)"))
        else:
            out.append(_card("cluster_share", "Cluster share", FAIL, f"{share} does not exist: AGILab's Dask modes "
                             "need a writable cluster share", f"mkdir -p {share}"))
    return out


def blocking(workspace: Any, *, mode: int | None = None) -> tuple[AgilabInstall, list[Any]]:
    """The install, or :class:`AgilabError` naming the first failed card and its fix."""
    found = cards(workspace, mode=mode)
    failed = [c for c in found if c.status == FAIL]
    if failed:
        first = failed[0]
        raise AgilabError(f"AGILab backend not ready: {first.title}: {first.detail}. Fix: {first.fix}")
    install = find_install(workspace)
    assert install is not None
    return install, found


def app_cards(workspace: Any, app: Any) -> list[Any]:
    """The PROJECT / ORCHESTRATE cards of one AGILab app: backend readiness, settings, worker env."""
    from ...settings import load_settings

    out = [_card("project", "Project", OK, f"{app.path} (AGILab app, run by AGILab)")]
    mode = None
    try:
        settings = load_settings(workspace, app)
        mode = settings.mode
        out.append(_card("settings", "Settings", OK, f"{settings.path} ({settings.mode_label})"))
    except AgilabError as exc:
        out.append(_card("settings", "Settings", FAIL, str(exc), f"edit {paths.settings_file(app.name)}"))
    out.extend(cards(workspace, mode=mode if mode is not None else 0))
    wenv = paths.wenv_dir(app.target)
    if (wenv / ".venv" / "bin" / "python").exists():
        out.append(_card("worker", "Worker env", OK, f"{wenv} (built by AGI.install)"))
    else:
        out.append(_card("worker", "Worker env", FAIL, f"{wenv} not installed",
                         f"install it: ORCHESTRATE INSTALL, or `agilab-tui install {app.name}`"))
    return out
