"""The backend protocol: who installs, distributes, runs, benchmarks and serves an app.

Every method returns an :class:`~engine.operation.Operation`, so pages and the CLI consume the same
event stream (log lines, progress, one terminal event) whichever backend an app uses.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..operation import Operation
from ..run_request import RunRequest
from ..workspace import AppProject


class Backend(Protocol):
    name: str

    def install(self, app: AppProject, *, modes_enabled: int | None = None) -> Operation: ...

    def get_distrib(self, app: AppProject, request: RunRequest | None = None) -> Operation: ...

    def run(self, app: AppProject, request: RunRequest | None = None) -> Operation: ...

    def benchmark(self, app: AppProject, modes: list[int], request: RunRequest | None = None) -> Operation: ...

    def serve(self, app: AppProject, action: str, **options: Any) -> Operation: ...
