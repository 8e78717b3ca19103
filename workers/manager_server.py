"""Manager side of the engine's manager protocol: one request on stdin, one reply line on stdout.

Started by the engine as ``<manager env python> -m workers.manager_server`` so an app's manager
code (its ``Args`` model, ``prepare_data``, ``build_distribution``) runs in the app's own manager
environment, never in the TUI's. The request is one JSON object::

    {"op": "schema" | "validate" | "prepare" | "plan", "src_dir": "...", "target": "...",
     "class_name": "...", "args": {...}, "data_root": "...", "workers": {...}}

The reply is a single ``@@agilab:manager <json>`` line on stdout: ``{"ok": true, ...}`` or
``{"ok": false, "kind": "import" | "contract" | "validation" | "exception", "error": ..., "traceback": ...}``.
Everything the manager prints goes to stderr, which the engine streams into the run log. This module
imports neither ``engine`` nor ``tui`` (it is staged into the manager environment with ``workers``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

REPLY_KIND = "manager"
REPLY_PREFIX = f"@@agilab:{REPLY_KIND} "
_CONTRACT = ("build_distribution", "prepare_data", "worker_class")


class Failure(Exception):
    """A reply with ``ok: false``; ``kind`` tells the engine how to present it."""

    def __init__(self, kind: str, error: str, **extra: Any):
        super().__init__(error)
        self.kind = kind
        self.error = error
        self.extra = extra


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _manager_class(request: dict[str, Any]) -> type[Any]:
    src_dir, target, class_name = request["src_dir"], request["target"], request["class_name"]
    if src_dir not in sys.path:
        sys.path.insert(0, src_dir)
    module_file = Path(src_dir) / target / f"{target}.py"
    try:
        module = importlib.import_module(f"{target}.{target}")
    except Exception as exc:
        raise Failure("import", f"{module_file}: cannot import the manager: {type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc()) from None
    cls = getattr(module, class_name, None)
    if cls is None:
        raise Failure("contract", f"{module_file}: defines no class {class_name}")
    missing = [name for name in _CONTRACT if not hasattr(cls, name)]
    if missing:
        raise Failure("contract", f"{module_file}: {class_name} lacks {', '.join(repr(m) for m in missing)}")
    return cls


def _model(cls: type[Any]) -> Any:
    return getattr(cls, "Args", None)


def _schema(request: dict[str, Any]) -> dict[str, Any]:
    cls = _manager_class(request)
    model = _model(cls)
    if model is None:
        return {"has_model": False, "schema": None, "defaults": None, "worker_class": cls.worker_class}
    try:
        defaults = model().model_dump(mode="json")
    except Exception:  # some fields are required: the form then starts from the saved [args] only
        defaults = None
    return {"has_model": True, "schema": model.model_json_schema(), "defaults": defaults,
            "model": f"{model.__module__}.{model.__qualname__}", "worker_class": cls.worker_class}


def _validated(cls: type[Any], values: dict[str, Any]) -> Any:
    model = _model(cls)
    if model is None:
        return _PlainArgs(values)
    from pydantic import ValidationError

    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
                  for e in exc.errors(include_url=False)]
        raise Failure("validation", f"{len(errors)} invalid argument(s)", errors=errors) from None


class _PlainArgs:
    """An app without an ``Args`` model gets its ``[args]`` as a plain namespace."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)
        self._values = dict(values)

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        del mode
        return dict(self._values)


def _dump(args: Any) -> dict[str, Any]:
    return json.loads(json.dumps(args.model_dump(mode="json"), default=str))


def _resolve(data_root: str, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(data_root) / path


def _manager(request: dict[str, Any]) -> tuple[Any, Any]:
    cls = _manager_class(request)
    args = _validated(cls, dict(request.get("args") or {}))
    target = request["target"]
    data_in = _resolve(request["data_root"], getattr(args, "data_in", f"{target}/dataset"))
    data_out = _resolve(request["data_root"], getattr(args, "data_out", f"{target}/dataframe"))
    return cls, cls(args, data_in, data_out)


def _described(cls: type[Any], manager: Any) -> dict[str, Any]:
    return {"args": _dump(manager.args), "data_in": str(manager.data_in), "data_out": str(manager.data_out),
            "worker_class": cls.worker_class, "reset_target": bool(getattr(manager.args, "reset_target", False))}


def _plan(request: dict[str, Any], *, distribute: bool) -> dict[str, Any]:
    cls, manager = _manager(request)
    try:
        manager.prepare_data(_log)
        plan = manager.build_distribution(dict(request.get("workers") or {})) if distribute else None
        plan_dict = plan.to_dict() if plan is not None else None
        if plan_dict is not None:
            plan_dict = json.loads(json.dumps(plan_dict, default=str))
    except Failure:
        raise
    except Exception as exc:
        step = "build_distribution" if distribute else "prepare_data"
        raise Failure("exception", f"{request['class_name']}.{step} raised {type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc()) from None
    return {**_described(cls, manager), "plan": plan_dict}


def _validate(request: dict[str, Any]) -> dict[str, Any]:
    cls = _manager_class(request)
    return {"args": _dump(_validated(cls, dict(request.get("args") or {}))), "has_model": _model(cls) is not None}


def handle(request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "schema":
        return _schema(request)
    if op == "validate":
        return _validate(request)
    if op == "prepare":
        return _plan(request, distribute=False)
    if op == "plan":
        return _plan(request, distribute=True)
    if op == "ping":
        return {"python": sys.executable, "pid": os.getpid()}
    raise Failure("protocol", f"unknown manager operation {op!r}")


def main() -> int:
    started = time.perf_counter()
    reply_stream = sys.stdout
    # App code printing to stdout must not corrupt the reply line: its output joins the log on stderr.
    sys.stdout = sys.stderr
    try:
        request = json.loads(sys.stdin.read() or "{}")
        with contextlib.redirect_stdout(sys.stderr):
            reply = {"ok": True, **handle(request)}
    except Failure as failure:
        reply = {"ok": False, "kind": failure.kind, "error": failure.error, **failure.extra}
    except Exception as exc:  # a bug here must still come back as a reply, with its traceback
        reply = {"ok": False, "kind": "exception", "error": f"{type(exc).__name__}: {exc}",
                 "traceback": traceback.format_exc()}
    # The time spent in the operation itself, so the engine can tell the protocol's own cost apart.
    reply["handler_seconds"] = round(time.perf_counter() - started, 6)
    reply_stream.write(REPLY_PREFIX + json.dumps(reply, default=str) + "\n")
    reply_stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
