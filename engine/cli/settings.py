"""``settings get|set APP KEY[=VALUE]``: read or change one app setting by dotted key, headless.

A write is a compare-and-swap: load, apply, validate, save only if the file is still the one that was
loaded (under the file lock).  On a conflict the edit is redone on a fresh read, a bounded number of
times; when that runs out the command fails non-zero, so success is never reported for a lost write.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

from ..errors import AgilabError, FileChangedError, SettingsError

DEFAULT_ATTEMPTS = 50


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("settings", help="read or change an app's settings by dotted key")
    group = parser.add_subparsers(dest="settings_command", required=True)
    get = group.add_parser("get", help="print one setting (or the whole file without KEY)")
    get.add_argument("app")
    get.add_argument("key", nargs="?", help="dotted key, e.g. cluster.pool or args.nfile")
    get.set_defaults(handler=cmd_get)
    put = group.add_parser("set", help="change settings, validated like the ORCHESTRATE form")
    put.add_argument("app")
    put.add_argument("assignments", nargs="+", metavar="KEY=VALUE",
                     help="VALUE is a TOML value (true, 3, 0.5, \"text\", [1, 2]); anything else is a string")
    put.add_argument("--attempts", type=int, default=DEFAULT_ATTEMPTS,
                     help=f"conflicting writes to retry on a fresh read before failing (default {DEFAULT_ATTEMPTS})")
    put.set_defaults(handler=cmd_set)
    for sub in (get, put):
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.add_argument("--home", default=argparse.SUPPRESS, help="workspace root (AGILAB_TUI_HOME)")
    return parser


def _engine(options: argparse.Namespace) -> Any:
    from ..facade import Engine
    from ..workspace import Workspace

    home = getattr(options, "home", None)
    return Engine(Workspace(home) if home else None)


def parse_value(raw: str) -> Any:
    """A TOML value when ``raw`` is one (``true``, ``3``, ``"x"``), else the plain string."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        value = tomlkit.parse(f"v = {raw}")["v"]
    except (TOMLKitError, ValueError):
        return raw
    return value.unwrap() if hasattr(value, "unwrap") else value


def split_key(key: str) -> list[str]:
    """``cluster.workers.10.0.0.2`` -> ``['cluster', 'workers', '10.0.0.2']`` (host names keep their dots)."""
    parts = key.split(".")
    if not key or any(not part for part in parts[:2]):
        raise AgilabError(f"'{key}' is not a dotted settings key (e.g. cluster.pool, args.nfile)")
    if parts[0] == "cluster" and len(parts) > 2 and parts[1] in ("workers",):
        return [parts[0], parts[1], ".".join(parts[2:])]
    return parts


def _lookup(node: Any, parts: list[str]) -> tuple[bool, Any]:
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def read_key(settings: Any, key: str) -> Any:
    parts = split_key(key)
    document = settings.document.unwrap()
    if parts[0] == "cluster":
        # Defaults of the validated model count as values: that is what a run uses.
        document = {**document, "cluster": settings.cluster.model_dump(mode="json")}
    found, value = _lookup(document, parts)
    if not found:
        raise SettingsError(settings.path, "no such setting", key=key)
    return value


def _apply(engine: Any, app: Any, settings: Any, changes: list[tuple[str, Any]]) -> None:
    """Apply every change to the loaded ``settings`` and save; validation errors leave the file untouched."""
    import tomlkit

    args_changes: dict[str, Any] = {}
    for key, value in changes:
        parts = split_key(key)
        head = parts[0]
        if head == "__meta__":
            raise SettingsError(settings.path, "is managed by the program and cannot be set", key=key)
        if head == "cluster":
            if len(parts) == 2:
                settings.update_cluster(**{parts[1]: value})
            else:
                current = settings.cluster.model_dump(mode="json").get(parts[1])
                if not isinstance(current, dict):
                    raise SettingsError(settings.path, "is not a table", key=".".join(parts[:2]))
                nested = _nested_set(dict(current), parts[2:], value)
                settings.update_cluster(**{parts[1]: nested})
        elif head == "args":
            if len(parts) != 2:
                raise SettingsError(settings.path, "args keys are one level deep (args.NAME)", key=key)
            args_changes[parts[1]] = value
        else:
            # Sections nobody validates are kept and edited as they are.
            table = settings.document
            for part in parts[:-1]:
                if part not in table:
                    table[part] = tomlkit.table()
                table = table[part]
                if not isinstance(table, dict):
                    raise SettingsError(settings.path, "is not a table", key=part)
            table[parts[-1]] = value
    if args_changes:
        if not engine.manager_ready(app):
            raise AgilabError(f"{settings.path}: cannot validate [args] before the app's manager environment "
                              f"exists; run `agilab-tui install {app.name}` first")
        engine.save_args(app, {**settings.args, **args_changes}, settings=settings)
    else:
        settings.save()


def _nested_set(table: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    node = table
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return table


def compare_and_swap(engine: Any, app_name: str, changes: list[tuple[str, Any]], attempts: int) -> tuple[Any, int]:
    """Load, apply ``changes``, save if nobody wrote in between; redo on a fresh read up to ``attempts`` times."""
    app = engine.app(app_name)
    for attempt in range(1, max(1, attempts) + 1):
        settings = engine.settings(app)
        try:
            _apply(engine, app, settings, changes)
            return settings, attempt
        except FileChangedError:
            # Jittered backoff: two writers retrying in lockstep would keep colliding.
            time.sleep(random.uniform(0, 0.002 * attempt))
    raise AgilabError(f"{engine.workspace.settings_file(app)}: gave up after {attempts} conflicting writes by "
                      "other processes; nothing was written")


def _fail(options: argparse.Namespace, exc: AgilabError) -> int:
    if options.json:
        print(json.dumps({"ok": False, "error": str(exc)}, indent=2))
    print(f"error: {exc}", file=sys.stderr)
    return 1


def cmd_get(options: argparse.Namespace) -> int:
    try:
        engine = _engine(options)
        settings = engine.settings(options.app)
        value = read_key(settings, options.key) if options.key else settings.document.unwrap()
    except AgilabError as exc:
        return _fail(options, exc)
    if options.json:
        print(json.dumps({"ok": True, "path": str(settings.path), "key": options.key, "value": value},
                         indent=2, default=str))
    elif isinstance(value, dict):
        import tomlkit

        print(tomlkit.dumps(value).rstrip())
    else:
        print(json.dumps(value, default=str) if not isinstance(value, str) else value)
    return 0


def cmd_set(options: argparse.Namespace) -> int:
    try:
        changes = []
        for assignment in options.assignments:
            key, sep, raw = assignment.partition("=")
            if not sep:
                raise AgilabError(f"'{assignment}' is not KEY=VALUE")
            changes.append((key.strip(), parse_value(raw.strip())))
        engine = _engine(options)
        settings, attempts = compare_and_swap(engine, options.app, changes, options.attempts)
        values = {key: read_key(settings, key) for key, _ in changes}
    except AgilabError as exc:
        return _fail(options, exc)
    if options.json:
        print(json.dumps({"ok": True, "path": str(settings.path), "values": values, "attempts": attempts},
                         indent=2, default=str))
    else:
        for key, value in values.items():
            print(f"{key} = {json.dumps(value, default=str)}")
        print(f"saved: {settings.path}")
    return 0
