"""Snippets in AGILab's own shape (``agi.snippet.v1``) calling AGILab's public API.

They are what AGILab's ORCHESTRATE generates: ``AgiEnv(apps_path, app, verbose)`` then one of
``AGI.install / get_distrib / run / serve``. Values are JSON-compatible Python literals. The last
line printed is the call's result behind :data:`RESULT_MARKER`, so the engine reads it back without
parsing AGILab's log.
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

from ...modes import mode_label
from ...run_request import RunRequest

SNIPPET_API = "agi.snippet.v1"
GENERATOR = "agilab_tui.backends.agilab"
RESULT_MARKER = "@@agilab-tui:result "


def _literal(value: Any) -> str:
    return pprint.pformat(value, width=100, sort_dicts=False)


def _header(apps_path: Path, project: str, method: str, verbose: int) -> str:
    return (
        "# AGILAB generated snippet\n"
        f"# snippet_api: {SNIPPET_API}\n"
        f"# app: {project}\n"
        f"# generator: {GENERATOR}\n"
        f"# method: AGI.{method}\n"
        "import asyncio\n"
        "import json\n\n"
        "from agi_cluster.agi_distributor import AGI, RunRequest, StageRequest  # noqa: F401\n"
        "from agi_env import AgiEnv\n\n"
        f'AGILAB_SNIPPET_API = "{SNIPPET_API}"\n'
        f"APPS_PATH = {str(apps_path)!r}\n"
        f"APP = {project!r}\n"
        f"VERBOSE = {verbose!r}\n"
    )


def _footer(call: str) -> str:
    return (
        "\n\nasync def main():\n"
        "    app_env = AgiEnv(apps_path=APPS_PATH, app=APP, verbose=VERBOSE)\n"
        f"    result = await {call}\n"
        "    print(result)\n"
        f"    print({RESULT_MARKER!r} + json.dumps(result, default=str), flush=True)\n"
        "    return result\n\n\n"
        'if __name__ == "__main__":\n'
        "    asyncio.run(main())\n"
    )


def _scheduler(value: str | None) -> str | None:
    return value or None


def install_snippet(apps_path: Path, project: str, request: RunRequest, modes_enabled: int) -> str:
    return (
        _header(apps_path, project, "install", request.verbose)
        + f"SCHEDULER = {_scheduler(request.scheduler)!r}\n"
        + f"WORKERS = {_literal(request.workers)}\n"
        + f"WORKERS_DATA_PATH = {request.share_root!r}\n"
        + f"MODES_ENABLED = {modes_enabled!r}  # {mode_label(modes_enabled)}\n"
        + _footer("AGI.install(app_env, modes_enabled=MODES_ENABLED, scheduler=SCHEDULER, workers=WORKERS, "
                  "workers_data_path=WORKERS_DATA_PATH, verbose=VERBOSE)")
    )


def distribute_snippet(apps_path: Path, project: str, request: RunRequest) -> str:
    return (
        _header(apps_path, project, "get_distrib", request.verbose)
        + f"SCHEDULER = {_scheduler(request.scheduler)!r}\n"
        + f"WORKERS = {_literal(request.workers)}\n"
        + f"RUN_ARGS = {_literal(request.to_app_kwargs())}\n"
        + _footer("AGI.get_distrib(app_env, scheduler=SCHEDULER, workers=WORKERS, verbose=VERBOSE, **RUN_ARGS)")
    )


def run_snippet(apps_path: Path, project: str, request: RunRequest) -> str:
    """``AGI.run`` with a ``RunRequest``; a list of modes (or None) makes AGILab benchmark them."""
    stages = [s.to_dict() for s in request.stages]
    mode = request.mode
    comment = f"  # {mode_label(mode)}" if isinstance(mode, int) else ""
    return (
        _header(apps_path, project, "run", request.verbose)
        + f"RUN_PARAMS = {_literal(dict(request.params))}\n"
        + f"RUN_STAGES_PAYLOAD = {_literal(stages)}\n"
        + f"RUN_DATA_IN = {request.data_in!r}\n"
        + f"RUN_DATA_OUT = {request.data_out!r}\n"
        + f"RUN_RESET_TARGET = {request.reset_target!r}\n"
        + f"RUN_MODE = {mode!r}{comment}\n"
        + f"SCHEDULER = {_scheduler(request.scheduler)!r}\n"
        + f"WORKERS = {_literal(request.workers)}\n"
        + f"WORKERS_DATA_PATH = {request.share_root!r}\n"
        + f"RAPIDS_ENABLED = {bool(request.rapids_enabled)!r}\n"
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
        ")"
        + _footer("AGI.run(app_env, request=request)")
    )


def serve_snippet(apps_path: Path, project: str, request: RunRequest, action: str,
                  serve_options: dict[str, Any] | None = None) -> str:
    """``AGI.serve``; ``serve_options`` are its own keywords (poll_interval, heartbeat_timeout, ...)."""
    options = {k: str(v) if isinstance(v, Path) else v for k, v in (serve_options or {}).items()}
    return (
        _header(apps_path, project, "serve", request.verbose)
        + f"SCHEDULER = {_scheduler(request.scheduler)!r}\n"
        + f"WORKERS = {_literal(request.workers)}\n"
        + f"RUN_MODE = {request.mode!r}  # {mode_label(request.mode)}\n"
        + f"ACTION = {action!r}\n"
        + f"SERVE_OPTIONS = {_literal(options)}\n"
        + f"RUN_ARGS = {_literal(request.to_app_kwargs())}\n"
        + _footer("AGI.serve(app_env, scheduler=SCHEDULER, workers=WORKERS, verbose=VERBOSE, mode=RUN_MODE, "
                  "action=ACTION, **SERVE_OPTIONS, **RUN_ARGS)")
    )


ARGS_SCHEMA_SCRIPT = r'''
import importlib, inspect, json, sys
from pathlib import Path
src, target = Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, str(src))
from pydantic import BaseModel
found = None
stems = sorted(p.stem for p in (src / target).glob("*args*.py"))
for name in [f"{target}.{stem}" for stem in stems] + [f"{target}.{target}"]:
    try:
        module = importlib.import_module(name)
    except ImportError:
        continue
    models = [v for v in vars(module).values() if inspect.isclass(v) and issubclass(v, BaseModel)
              and v is not BaseModel and v.__module__ == module.__name__]
    models = [m for m in models if m.__name__.endswith("Args")] or models
    if models:
        found = models[0]
        break
if found is None:
    print(json.dumps({"has_model": False}))
    raise SystemExit(0)
values = json.loads(sys.stdin.read() or "{}")
defaults = {}
try:
    defaults = found().model_dump(mode="json")
except Exception:
    pass
errors = []
try:
    found.model_validate(values)
except Exception as exc:
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
              for e in getattr(exc, "errors", lambda: [])()]
print(json.dumps({"has_model": True, "model": f"{found.__module__}.{found.__name__}",
                  "schema": found.model_json_schema(), "defaults": defaults, "values": values,
                  "errors": errors}, default=str))
'''
