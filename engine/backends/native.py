"""The native backend: this engine's own install / plan / run code (engine/install.py, engine/run.py).

The facade keeps that code where it always was; this class only presents it through the
:class:`~engine.backends.base.Backend` protocol for callers that hold a backend rather than an engine.
"""

from __future__ import annotations

from typing import Any

from ..operation import Operation
from ..run_request import RunRequest
from ..workspace import AppProject


class NativeBackend:
    name = "native"

    def __init__(self, engine: Any):
        self.engine = engine

    def install(self, app: AppProject, *, modes_enabled: int | None = None) -> Operation:
        return self.engine.install(app, modes_enabled=modes_enabled)

    def get_distrib(self, app: AppProject, request: RunRequest | None = None) -> Operation:
        return self.engine.get_distrib(app, request)

    def run(self, app: AppProject, request: RunRequest | None = None) -> Operation:
        return self.engine.run(app, request)

    def benchmark(self, app: AppProject, modes: list[int], request: RunRequest | None = None) -> Operation:
        return self.engine.benchmark(app, modes, request)

    def serve(self, app: AppProject, action: str, **options: Any) -> Operation:
        """Service mode (engine/service): ``start``, ``stop``, ``status`` or ``health``."""
        from ..service import build_config, service_health, start_service, stop_service

        async def body(ctx: Any) -> dict[str, Any]:
            settings = self.engine.settings(app)
            config = build_config(self.engine.workspace, app, settings, **options)
            await ctx.log(f"service {action}: {app.name}", "engine")
            if action == "start":
                return await start_service(config)
            if action == "stop":
                return await stop_service(config)
            return service_health(config)

        return Operation("serve", app.name, body, detail=action)
