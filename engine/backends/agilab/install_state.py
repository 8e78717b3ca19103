"""Install state of an AGILab app: AGILab's worker env under ``~/wenv/<target>`` (no AGILab Python started)."""

from __future__ import annotations

from ...install_state import InstallStatus
from ...modes import CYTHON_MODE
from ...workspace import AppProject
from . import paths


def agilab_install_status(app: AppProject, mode: int = 0) -> InstallStatus:
    wenv = paths.wenv_dir(app.target)
    if not (wenv / ".venv" / "bin" / "python").exists():
        return InstallStatus(False, False, f"{app.name} is not installed: run INSTALL first (AGI.install)")
    cython = any(wenv.glob("*_cy*.so")) or any(wenv.glob("**/*_cy*.so"))
    if mode & CYTHON_MODE and not cython:
        return InstallStatus(True, False, "the cython mode needs INSTALL with the cython toggle on")
    return InstallStatus(True, cython, "")
