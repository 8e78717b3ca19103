"""Generated, runnable install / get_distrib / run snippets that call our public facade.

Header contract as AGILab's (``agi.snippet.v1``); values are Python literals so that tools can
read them back with ``ast.literal_eval`` without executing anything.
"""

from __future__ import annotations

from typing import Any

from .errors import AgilabError
from .modes import mode_label
from .run_request import RunRequest
from .workspace import AppProject

SNIPPET_API = "agi.snippet.v1"
SUPPORTED_SNIPPET_APIS = frozenset({SNIPPET_API})
GENERATOR = "agilab_tui.orchestrate"


def require_supported_snippet_api(api: str) -> None:
    """Fail fast when a saved snippet speaks an API version this engine does not run."""
    if api not in SUPPORTED_SNIPPET_APIS:
        raise AgilabError(f"snippet API {api!r} is not supported (supported: {', '.join(sorted(SUPPORTED_SNIPPET_APIS))});"
                          " regenerate the snippet from ORCHESTRATE")


def _header(app: AppProject, method: str) -> str:
    return (
        "# AGILAB generated snippet\n"
        f"# snippet_api: {SNIPPET_API}\n"
        f"# app: {app.name}\n"
        f"# generator: {GENERATOR}\n"
        f"# method: AGI.{method}\n"
        "import asyncio\n\n"
        "from engine.facade import AGI, AgiEnv\n"
        "from engine.run_request import RunRequest, StageRequest  # noqa: F401\n"
        "from engine.snippets import require_supported_snippet_api\n\n"
        f'AGILAB_SNIPPET_API = "{SNIPPET_API}"\n'
        "require_supported_snippet_api(AGILAB_SNIPPET_API)\n\n"
        f"APPS_PATH = {str(app.path.parent)!r}\n"
        f"APP = {app.name!r}\n"
    )


def _footer(call: str) -> str:
    return (
        "\n\nasync def main():\n"
        "    app_env = AgiEnv(apps_path=APPS_PATH, app=APP, verbose=VERBOSE)\n"
        f"    result = await {call}\n"
        "    print(result)\n"
        "    return result\n\n\n"
        'if __name__ == "__main__":\n'
        "    asyncio.run(main())\n"
    )


def install_snippet(app: AppProject, request: RunRequest, modes_enabled: int) -> str:
    return (
        _header(app, "install")
        + f"VERBOSE = {request.verbose!r}\n"
        + f"SCHEDULER = {request.scheduler!r}\n"
        + f"WORKERS = {request.workers!r}\n"
        + f"WORKERS_DATA_PATH = {request.share_root!r}\n"
        + f"MODES_ENABLED = {modes_enabled!r}  # {mode_label(modes_enabled)}\n"
        + _footer("AGI.install(app_env, scheduler=SCHEDULER, workers=WORKERS, "
                  "workers_data_path=WORKERS_DATA_PATH, modes_enabled=MODES_ENABLED, verbose=VERBOSE)")
    )


def distribute_snippet(app: AppProject, request: RunRequest) -> str:
    return (
        _header(app, "get_distrib")
        + f"VERBOSE = {request.verbose!r}\n"
        + f"SCHEDULER = {request.scheduler!r}\n"
        + f"WORKERS = {request.workers!r}\n"
        + f"RUN_ARGS = {request.to_app_kwargs()!r}\n"
        + _footer("AGI.get_distrib(app_env, scheduler=SCHEDULER, workers=WORKERS, verbose=VERBOSE, **RUN_ARGS)")
    )


def run_snippet(app: AppProject, request: RunRequest) -> str:
    stages: list[dict[str, Any]] = [s.to_dict() for s in request.stages]
    mode = request.mode
    comment = f"  # {mode_label(mode)}" if isinstance(mode, int) else ""
    return (
        _header(app, "run")
        + f"VERBOSE = {request.verbose!r}\n"
        + f"RUN_PARAMS = {dict(request.params)!r}\n"
        + f"RUN_STAGES_PAYLOAD = {stages!r}\n"
        + f"RUN_DATA_IN = {request.data_in!r}\n"
        + f"RUN_DATA_OUT = {request.data_out!r}\n"
        + f"RUN_RESET_TARGET = {request.reset_target!r}\n"
        + f"RUN_MODE = {mode!r}{comment}\n"
        + f"SCHEDULER = {request.scheduler!r}\n"
        + f"WORKERS = {request.workers!r}\n"
        + f"WORKERS_DATA_PATH = {request.share_root!r}\n"
        + f"RAPIDS_ENABLED = {request.rapids_enabled!r}\n"
        + "\nrequest = RunRequest(\n"
        "    params=RUN_PARAMS,\n"
        "    stages=[StageRequest(**stage) for stage in RUN_STAGES_PAYLOAD],\n"
        "    data_in=RUN_DATA_IN,\n"
        "    data_out=RUN_DATA_OUT,\n"
        "    reset_target=RUN_RESET_TARGET,\n"
        "    mode=RUN_MODE,\n"
        "    scheduler=SCHEDULER,\n"
        "    workers=WORKERS,\n"
        "    workers_data_path=WORKERS_DATA_PATH,\n"
        "    verbose=VERBOSE,\n"
        "    rapids_enabled=RAPIDS_ENABLED,\n"
        "    benchmark_best_single_node=False,\n"
        ")"
        + _footer("AGI.run(app_env, request=request)")
    )
