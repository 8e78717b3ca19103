"""Backends: who executes an app. ``native`` is this engine; ``agilab`` drives AGILab's own API.

Pages and the CLI only talk to :class:`engine.facade.Engine`, which routes each operation here by
``AppProject.backend``.
"""

from __future__ import annotations

from typing import Any

BACKENDS = ("native", "agilab")


def backend_for(engine: Any, app: Any) -> Any:
    """The backend object of ``app`` (an :class:`~engine.workspace.AppProject`)."""
    if getattr(app, "backend", "native") == "agilab":
        from .agilab.backend import AgilabBackend

        return AgilabBackend(engine)
    from .native import NativeBackend

    return NativeBackend(engine)


def is_native(app: Any) -> bool:
    return getattr(app, "backend", "native") == "native"
