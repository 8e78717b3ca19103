"""Find the worker class for a mode: the pure-Python module, or its compiled ``_cy`` extension."""

from __future__ import annotations

import importlib
from typing import Any

from .base_worker import CYTHON_BIT


class WorkerLoadError(ImportError):
    """The worker module for the requested mode cannot be imported."""


def load_worker_class(package: str, class_name: str, mode: int) -> type[Any]:
    """With the cython bit, only the compiled ``<package>_cy`` module is accepted (no silent fallback)."""
    if mode & CYTHON_BIT:
        module_name = f"{package}_cy"
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise WorkerLoadError(f"cython mode needs the compiled extension '{module_name}', which is not "
                                  f"importable ({exc}); run install with the cython toggle on") from exc
        if not getattr(module, "__file__", "").endswith((".so", ".pyd")):
            raise WorkerLoadError(f"'{module_name}' is not a compiled extension ({module.__file__})")
    else:
        module_name = f"{package}.{package}"
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise WorkerLoadError(f"worker module '{module_name}' is not importable: {exc}") from exc
    try:
        return getattr(module, class_name)
    except AttributeError as exc:
        raise WorkerLoadError(f"'{module_name}' defines no class {class_name}") from exc
