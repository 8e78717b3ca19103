"""The DAG panel's engine side: one loaded plan (its editable draft, check and runner) behind blocking calls.

Methods that read or write files are called through ``app.call_engine``. Reading the in-memory runner
state (readiness, history) is pure and cheap, so the panel does it directly on the UI thread after each
runner event; that keeps a running batch and the table in step without re-reading the state file.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.dag import CheckResult, DagRunner, PlanDraft, PlanEntry, PlanSource
    from engine.facade import Engine

LOCAL, DISTRIBUTED = "local", "distributed"
DRAFT_STATE_FILE = "draft_runner_state.json"


@dataclass(frozen=True)
class BackendChoice:
    """The stage backend and, for the distributed one, why it cannot be used (empty when it can)."""

    name: str
    problem: str = ""
    previews: list[dict[str, Any]] = field(default_factory=list)


def list_entries(engine: Engine, source: PlanSource | str, app_name: str, custom_path: str = "") -> list[PlanEntry]:
    """Plans of one source for the active app (custom path: a file or a folder of plans)."""
    from engine.dag import PlanSource, list_plans

    source = PlanSource(source)
    app = engine.app(app_name)
    scoped = app if source in (PlanSource.APP_TEMPLATES, PlanSource.WORKSPACE_DRAFTS) else None
    return list_plans(engine.workspace, source, app=scoped, custom_path=custom_path or None)


class DagSession:
    """A plan being looked at, edited and run from the panel."""

    def __init__(self, engine: Engine, app_name: str, draft: PlanDraft, *, path: Path | None):
        self.engine = engine
        self.app_name = app_name
        self.draft = draft
        self.path = path
        """The file the plan was loaded from (None for a new plan)."""
        self.edited = False
        """True once the plan differs from its file: runs then use a separate, fresh draft state."""
        self._apps = self._discover_apps()
        self.check: CheckResult = draft.check(self._apps)
        self.runner: DagRunner | None = None
        self.runner_error = ""
        self.backend = BackendChoice(LOCAL)
        self._attach_runner()

    # --- loading ------------------------------------------------------------------------------
    @classmethod
    def open(cls, engine: Engine, app_name: str, path: Path | str) -> DagSession:
        from engine.dag import PlanDraft

        return cls(engine, app_name, PlanDraft.load(path), path=Path(path))

    @classmethod
    def new(cls, engine: Engine, app_name: str, dag_id: str, label: str = "") -> DagSession:
        from engine.dag import PlanDraft

        session = cls(engine, app_name, PlanDraft.new(dag_id, label=label), path=None)
        session.edited = True
        return session

    def known_apps(self) -> list[str]:
        """The workspace's app names as of the last check (read on the engine thread, not per render)."""
        return list(self._apps)

    def _discover_apps(self) -> list[str]:
        from engine.dag import known_app_names

        return known_app_names(self.engine.workspace)

    def _state_path(self) -> Path:
        from engine.dag import default_state_path

        dag_id = str(self.draft.data.get("dag_id") or "plan")
        path = default_state_path(self.engine.workspace, dag_id)
        return path.with_name(DRAFT_STATE_FILE) if self.edited else path

    def _attach_runner(self) -> None:
        """(Re)build the runner on the current check; a plan with errors has none, only its issues."""
        from engine.dag import RunnerStateStore
        from engine.errors import AgilabError

        self.runner, self.runner_error = None, ""
        self.preview_reason = "the plan has errors"
        if not self.check.ok:
            return
        store = RunnerStateStore(self._state_path())
        try:
            self.runner = self._make_runner(store)
        except AgilabError as exc:
            if not self.edited:
                self.runner_error = str(exc)
                return
            # A draft's state only ever describes the previous edit; start it over.
            store.path.unlink(missing_ok=True)
            self.runner = self._make_runner(RunnerStateStore(self._state_path()))
        # Conservative execution, decided on the engine thread: only a saved, controlled app template runs.
        self.preview_reason = self.runner.preview_only_reason if self.runner is not None else ""

    def _make_runner(self, store: Any) -> DagRunner:
        from engine.dag import DagRunner

        # An edited plan is not the file it came from: it may only be previewed until saved and promoted.
        return DagRunner(self.check, store, self.engine.workspace, executor=self._executor(),
                         dag_path="" if self.edited else str(self.path or ""))

    # --- backend ------------------------------------------------------------------------------
    def _executor(self) -> Any:
        from engine.dag import DistributedExecutor, LocalExecutor

        if self.backend.name == DISTRIBUTED and not self.backend.problem:
            cluster = self.engine.settings(self.app_name).cluster
            return DistributedExecutor(self.engine.workspace, cluster.scheduler, workers=dict(cluster.workers),
                                       workers_data_path=cluster.workers_data_path or None)
        return LocalExecutor(self.engine.workspace)

    def set_backend(self, name: str) -> BackendChoice:
        """Choose the stage backend; distributed needs the active app's ORCHESTRATE cluster settings."""
        problem = ""
        if name == DISTRIBUTED:
            cluster = self.engine.settings(self.app_name).cluster
            missing = [label for label, ok in (("cluster_enabled is off", cluster.cluster_enabled),
                                               ("no scheduler", bool(cluster.scheduler)),
                                               ("no workers", bool(cluster.workers)),
                                               ("no Workers Data Path", bool(cluster.workers_data_path))) if not ok]
            if missing:
                problem = ("Distributed backend unavailable (ORCHESTRATE cluster settings of "
                           f"{self.app_name}: {', '.join(missing)}); steps run locally.")
        self.backend = BackendChoice(name, problem)
        if self.runner is not None:
            self.runner.executor = self._executor()
        return self.request_previews()

    def request_previews(self) -> BackendChoice:
        """The exact request each ready step would be sent with, on the chosen backend."""
        previews = self.runner.request_previews() if self.runner is not None else []
        self.backend = BackendChoice(self.backend.name, self.backend.problem, previews)
        return self.backend

    # --- operator actions (file writes) ---------------------------------------------------------
    def preview_next(self) -> str | None:
        return self._runner().preview_next()

    def reset_preview(self) -> list[str]:
        return self._runner().reset_preview()

    def rerun_from(self, step_id: str) -> list[str]:
        return self._runner().rerun_from(step_id)

    def reset_state(self) -> None:
        from engine.dag import RunnerStateStore

        if self.runner is not None:
            self.runner.reset()
            return
        RunnerStateStore(self._state_path()).path.unlink(missing_ok=True)
        self._attach_runner()

    def _runner(self) -> DagRunner:
        from engine.errors import AgilabError

        if self.runner is None:
            raise AgilabError(self.runner_error or "the plan has errors: check it and fix them first")
        return self.runner

    # --- editing --------------------------------------------------------------------------------
    def edit(self, operation: str, **values: Any) -> str:
        """Apply one edit of the draft (``add_step``, ``add_created``, ``add_use``…), re-check, re-attach."""
        from engine.dag import PlanEditError

        result = ""
        if operation == "add_step":
            command = shlex.split(values.pop("command", "") or "")
            entrypoint = values.pop("entrypoint", "") or (None if command else f"{values['app']}.run")
            self.draft.add_step(values.pop("step_id"), values.pop("app"), command=command or None,
                                entrypoint=entrypoint, **values)
        elif operation == "remove_step":
            result = "; ".join(self.draft.remove_step(values["step_id"]))
        elif operation in ("add_created", "remove_created", "add_use", "remove_use"):
            getattr(self.draft, operation)(**values)
        else:
            raise PlanEditError(f"unknown edit '{operation}'")
        self.edited = True
        self.recheck()
        return result

    def recheck(self) -> CheckResult:
        self._apps = self._discover_apps()
        self.check = self.draft.check(self._apps)
        self._attach_runner()
        return self.check

    def save_workspace(self, overwrite: bool = False) -> Path:
        path = self.draft.save_workspace(self.engine.workspace, self.engine.app(self.app_name), overwrite=overwrite)
        self.path, self.edited = path, False
        self._attach_runner()
        return path

    def promote(self, app_name: str | None = None) -> Any:
        """Copy the saved plan into an app's ``dag_templates/`` (the controlled marker added if missing)."""
        from engine.dag.promote import promote_plan
        from engine.errors import AgilabError

        if self.path is None or self.edited:
            raise AgilabError("save the plan first (dag: save as workspace plan), then promote it")
        done = promote_plan(self.engine.workspace, self.path, app_name or self.app_name)
        self.path = done.path
        self.draft = type(self.draft).load(done.path)
        self.recheck()
        return done

    def export(self, path: str) -> Path:
        return self.draft.export(Path(path).expanduser())
