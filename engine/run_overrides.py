"""``--set KEY=VALUE`` for one run: values parsed as TOML literals, validated by the app's args model,
never written to the saved settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import tomlkit

from .errors import AgilabError
from .run_request import RunRequest

_EXECUTION_KEYS = ("data_in", "data_out", "reset_target")


class OverrideError(AgilabError):
    """A ``--set`` is malformed or refused by the app's model; the message names the key."""


def parse_value(text: str) -> Any:
    """``5`` -> 5, ``0.5`` -> 0.5, ``true`` -> True, ``"a b"`` -> 'a b', anything else stays a string."""
    try:
        return tomlkit.parse(f"v = {text}")["v"].unwrap()
    except Exception:
        return text


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["nfile=2", "output_format=csv"]`` -> ``{"nfile": 2, "output_format": "csv"}``."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise OverrideError(f"--set {item!r}: expected KEY=VALUE")
        values[key] = parse_value(raw.strip())
    return values


def apply_overrides(validate: Callable[[dict[str, Any]], dict[str, Any]], saved_args: Mapping[str, Any],
                    request: RunRequest, overrides: Mapping[str, Any]) -> RunRequest:
    """``request`` with ``overrides`` on top, once ``validate`` (the app's model) accepted the merged args.

    Raises:
        OverrideError: the model refused the merged args; the message names the key.
    """
    if not overrides:
        return request
    merged = {**saved_args, **request.to_app_kwargs(), **overrides}
    try:
        validated = validate(merged)
    except AgilabError as exc:
        raise OverrideError(f"--set {', '.join(overrides)}: {exc}") from exc
    params = dict(request.params)
    changes: dict[str, Any] = {}
    for key in overrides:
        value = validated.get(key, overrides[key])
        if key in _EXECUTION_KEYS:
            changes[key] = value
        else:
            params[key] = value
    return dataclasses.replace(request, params=params, **changes)


def validate_overrides(workspace: Any, app: Any, saved_args: Mapping[str, Any], request: RunRequest,
                       overrides: Mapping[str, Any]) -> RunRequest:
    """:func:`apply_overrides` with the app's own model (run in its manager environment)."""
    from .manager_client import validate_args

    return apply_overrides(lambda values: validate_args(workspace, app, values), saved_args, request, overrides)
