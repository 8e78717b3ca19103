"""Environment health of one app: one card per concern, each with the exact fix when it is not OK.

The checks that matter most run real code: the manager package is imported by a fresh Python and the
worker environment's own interpreter imports the worker package, both in subprocesses, so a card is
green only when a run could actually start. The API key is reported by source, never shown.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AgilabError
from .install import worker_env
from .proc import clean_child_env
from .settings import load_settings
from .workspace import AppProject, Workspace

OK, WARN, FAIL = "ok", "warn", "fail"
_IMPORT_TIMEOUT = 60


@dataclass(frozen=True)
class HealthCard:
    """One health check: what was checked, the verdict, what was found, and how to fix it."""

    key: str
    title: str
    status: str
    """``ok``, ``warn`` or ``fail``."""
    detail: str
    fix: str = ""


def _import_check(python: Path | str, modules: list[str], path_entries: list[Path]) -> tuple[bool, str]:
    """Import ``modules`` in a fresh interpreter; return success and the last line of any error."""
    code = ("import importlib,sys\nsys.path[:0]=[p for p in sys.argv[1].split(chr(10)) if p]\n"
            "for m in sys.argv[2:]:\n    importlib.import_module(m)\nprint('ok')")
    argv = [str(python), "-c", code, "\n".join(map(str, path_entries)), *modules]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_IMPORT_TIMEOUT, cwd=tempfile.gettempdir(),
                              check=False, env=clean_child_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    if done.returncode == 0:
        return True, ""
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return False, lines[-1] if lines else f"exit code {done.returncode}"


def _manager_card(workspace: Workspace, app: AppProject) -> HealthCard:
    """The manager env is checked as a run uses it: the protocol server imports the manager there."""
    from .manager_client import ManagerError, args_schema
    from .manager_env import manager_env

    env = manager_env(workspace, app)
    install = f"install it: ORCHESTRATE ctrl+b, or `agilab-tui install {app.name}`"
    if not env.ready:
        return HealthCard("manager", "Manager env", FAIL, "not installed", install)
    try:
        schema = args_schema(workspace, app)
    except ManagerError as exc:
        fix = (f"fix {app.manager_dir / (app.target + '.py')} (PROJECT editor: Manager code)"
               if exc.kind in ("import", "contract") else f"reinstall: {install}")
        return HealthCard("manager", "Manager env", FAIL, f"installed but the manager fails: {exc}", fix)
    deps = len((env.read_stamp() or {}).get("dependencies", []))
    model = schema.get("model") or "no Args model"
    return HealthCard("manager", "Manager env", OK, f"installed ({deps} dependencies) and imports {app.class_name} "
                      f"({model})")


def _worker_card(workspace: Workspace, app: AppProject) -> HealthCard:
    env = worker_env(workspace, app)
    stamp = env.read_stamp()
    install = f"install it: ORCHESTRATE ctrl+b, or `agilab-tui install {app.name}`"
    if not stamp or not stamp.get("ok") or not env.python.exists():
        return HealthCard("worker", "Worker env", FAIL, "not installed", install)
    module = f"{app.worker_package}.{app.worker_package}"
    ok, error = _import_check(env.python, ["workers.runner", module], [])
    if ok:
        cython = ", cython built" if stamp.get("cython") else ""
        return HealthCard("worker", "Worker env", OK, f"installed and imports {module}{cython}")
    return HealthCard("worker", "Worker env", FAIL, f"installed but {module} does not import: {error}",
                      f"reinstall to refresh the worker sources: {install}")


def _settings_cards(workspace: Workspace, app: AppProject) -> tuple[list[HealthCard], dict[str, Any] | None]:
    try:
        settings = load_settings(workspace, app)
    except Exception as exc:  # tomlkit raises more than ParseError (e.g. a duplicated key)
        detail = str(exc) if isinstance(exc, AgilabError) else f"{workspace.settings_file(app)}: {exc}"
        card = HealthCard("settings", "Settings", FAIL, detail,
                          f"edit App settings in the PROJECT editor ({workspace.settings_file(app)})")
        return [card], None
    cluster = settings.cluster
    if not cluster.cluster_enabled:
        share = HealthCard("cluster", "Cluster share", OK, "not needed: runs are local")
    elif cluster.workers_data_path:
        share = HealthCard("cluster", "Cluster share", OK, f"workers read {cluster.workers_data_path}")
    elif cluster.data_transfer == "shared":
        share = HealthCard("cluster", "Cluster share", FAIL, "data_transfer is 'shared' but workers_data_path is empty",
                           "set workers_data_path in ORCHESTRATE > System to a path every worker mounts, "
                           "or data_transfer to 'auto' so partitions travel through Dask")
    else:
        # Without a shared folder the partitions travel to the workers through Dask and outputs come back here.
        share = HealthCard("cluster", "Cluster share", OK, "no shared folder: data travels through Dask")
    from .manager_client import ManagerError, validate_args

    try:
        validate_args(workspace, app, settings.args, source=settings.path)
    except ManagerError as exc:
        reason = "the manager env is not installed" if exc.kind == "not_installed" else "the manager fails"
        verdict = HealthCard("settings", "Settings", WARN, f"[cluster] valid; [args] not checked ({reason})",
                             "see Manager env")
    except AgilabError as exc:
        verdict = HealthCard("settings", "Settings", FAIL, str(exc), "edit [args] in App settings (PROJECT editor)")
    else:
        verdict = HealthCard("settings", "Settings", OK, f"valid ({settings.mode_label})")
    return [verdict, share], settings.args


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _data_card(workspace: Workspace, app: AppProject, args: dict[str, Any]) -> HealthCard:
    data_in = workspace.resolve_data_path(args.get("data_in", f"{app.target}/dataset"))
    data_out = workspace.resolve_data_path(args.get("data_out", f"{app.target}/dataframe"))
    sizes = f"in {_size(_folder_size(data_in))}, out {_size(_folder_size(data_out))}"
    if data_in.is_dir():
        return HealthCard("data", "Data path", OK, f"{data_in} ({sizes})")
    return HealthCard("data", "Data path", WARN, f"{data_in} does not exist yet",
                      "it is created on the first run (prepare_data); or set args.data_in to an existing folder")


def _api_key_card(workspace: Workspace) -> HealthCard:
    from .assistant.api_key import api_key_status

    status = api_key_status(workspace)
    if status.present:
        return HealthCard("api_key", "API key", OK, f"present (from the {status.source})")
    if status.problem:
        return HealthCard("api_key", "API key", FAIL, status.problem, f"chmod 600 {workspace.secrets_file}")
    return HealthCard("api_key", "API key", WARN, "no key (only the assistant needs one)",
                      f"export OPENAI_API_KEY, or save one in {workspace.secrets_file} (mode 0600)")


def count_runs(workspace: Workspace, app: AppProject | None = None) -> int | None:
    """Runs in the workspace MLflow store (of the app's experiment when given); None without a store."""
    db = workspace.mlflow_dir / "mlflow.db"
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            if app is None:
                row = connection.execute("SELECT count(*) FROM runs WHERE lifecycle_stage = 'active'").fetchone()
            else:
                row = connection.execute(
                    "SELECT count(*) FROM runs r JOIN experiments e ON r.experiment_id = e.experiment_id "
                    "WHERE r.lifecycle_stage = 'active' AND e.name = ?", (app.name,)).fetchone()
    except sqlite3.Error:
        return None
    return int(row[0])


def _mlflow_cards(workspace: Workspace, app: AppProject) -> list[HealthCard]:
    import importlib.util

    uri = workspace.mlflow_tracking_uri()
    if importlib.util.find_spec("mlflow") is None:
        return [HealthCard("mlflow", "MLflow store", FAIL, "mlflow is not installed", "pip install mlflow")]
    total = count_runs(workspace)
    if total is None:
        return [HealthCard("mlflow", "MLflow store", WARN, f"{uri}: no store yet",
                           "it is created by the first tracked run (WORKFLOW run, or mlflow.start_run)"),
                HealthCard("runs", "Runs", WARN, "0 runs", "run the app's workflow to record runs")]
    mine = count_runs(workspace, app) or 0
    runs = HealthCard("runs", "Runs", OK if mine else WARN, f"{mine} for {app.name}, {total} in the store",
                      "" if mine else "run the app's workflow (WORKFLOW) to record runs for it")
    return [HealthCard("mlflow", "MLflow store", OK, uri), runs]


def app_health(workspace: Workspace, app: AppProject) -> list[HealthCard]:
    """All health cards of ``app`` (runs subprocesses: call it from a worker thread)."""
    if app.backend == "agilab":  # what AGILab itself needs: its Python, uv, AGI_PYTHON_VERSION, shares
        from .backends.agilab.health import app_cards

        return app_cards(workspace, app)
    origin = "bundled" if app.bundled else "workspace"
    cards = [HealthCard("project", "Project", OK, f"{app.path} ({origin} app)")]
    cards.append(_manager_card(workspace, app))
    cards.append(_worker_card(workspace, app))
    settings_cards, args = _settings_cards(workspace, app)
    cards.extend(settings_cards)
    if args is not None:
        cards.append(_data_card(workspace, app, args))
    cards.append(_api_key_card(workspace))
    cards.extend(_mlflow_cards(workspace, app))
    return cards
