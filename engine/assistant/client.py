"""Ask the OpenAI Responses API for a Safe Actions contract or a Python snippet (async, cancellable)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ..workspace import Workspace
from .api_key import resolve_api_key
from .errors import (
    AssistantAnswerError,
    AssistantAPIError,
    AssistantAuthError,
    AssistantConnectionError,
    AssistantError,
    AssistantRateLimitError,
    AssistantTimeoutError,
    ContractError,
)
from .prompts import (
    PYTHON_SNIPPET_INSTRUCTIONS,
    SAFE_ACTIONS_INSTRUCTIONS,
    python_snippet_input,
    safe_actions_input,
)
from .safe_actions import (
    GENERATION_MODE_PYTHON_SNIPPET,
    GENERATION_MODE_SAFE_ACTIONS,
    parse_contract_text,
    stage_fields_for_contract,
    validate_contract,
)
from .schema import DataFrameSchema, as_schema, dataframe_schema_for_prompt
from .snippet import extract_python_code, stage_fields_for_snippet

DEFAULT_MODEL = "gpt-5.4-mini"
_MESSAGE_LIMIT = 300


class AssistantSettings(BaseModel):
    """How to reach the model; the API key, when given here, is never serialised."""

    # Defaults come from the environment, so they are validated like given values.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    model: str = Field(default_factory=lambda: os.environ.get("OPENAI_MODEL") or DEFAULT_MODEL, min_length=1)
    """Model name sent to the API (default ``$OPENAI_MODEL``, else ``gpt-5.4-mini``)."""
    base_url: str | None = Field(default_factory=lambda: os.environ.get("OPENAI_BASE_URL") or None)
    """API base URL ending in ``/v1`` (default ``$OPENAI_BASE_URL``, else OpenAI's)."""
    timeout_s: float = Field(default=60.0, gt=0)
    """Total seconds allowed for one question, retries included."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Retries of the openai client on 429/5xx/connection errors."""
    max_output_tokens: int | None = Field(default=None, gt=0)
    """Cap on the answer's length; None leaves it to the server."""
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    """Key for this session only; otherwise ``$OPENAI_API_KEY`` or the workspace secrets file is used."""

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url '{value}' must start with http:// or https://")
        return value.rstrip("/") if value else None


@dataclass(frozen=True)
class AssistantResult:
    """A usable answer: the code to review or save, and the stage fields to persist."""

    mode: str
    """``safe_actions`` or ``python_snippet``."""
    question: str
    model: str
    raw_text: str
    """The model's answer as received."""
    code: str
    """Rendered pandas code (safe actions) or the marked raw snippet (python snippet)."""
    stage_fields: dict[str, Any] = field(default_factory=dict)
    contract: dict[str, Any] | None = None
    """The canonical validated contract (safe actions only)."""
    notes: str = ""
    response_id: str | None = None


def _prompt_schema(schema: Any) -> tuple[DataFrameSchema | None, dict[str, Any] | None]:
    full = as_schema(schema)
    return full, dataframe_schema_for_prompt(full) if full is not None else None


def _check_question(question: str) -> str:
    if not question or not question.strip():
        raise AssistantError("the question is empty; describe the transformation to generate")
    return question.strip()


async def ask_safe_actions(
    settings: AssistantSettings,
    question: str,
    schema: Any,
    *,
    workspace: Workspace | None = None,
) -> AssistantResult:
    """Ask for a Safe Actions contract, validate it against the schema, and render its pandas code.

    Args:
        settings: model, endpoint, timeout and retries.
        question: the user's request.
        schema: the loaded dataframe's schema (``DataFrameSchema``, ``{column: dtype}``, a DataFrame or a
            CSV/parquet path), or None when no dataframe is loaded.
        workspace: where the secrets file lives, when the key is not in the environment.

    Raises:
        AssistantError: a subclass saying what failed (no key, HTTP error, timeout, rate limit, or an
            answer that is not a valid contract, with ``raw_text`` kept for review).
    """
    question = _check_question(question)
    full_schema, prompt_schema = _prompt_schema(schema)
    text, response_id = await _respond(
        settings, SAFE_ACTIONS_INSTRUCTIONS, safe_actions_input(question, prompt_schema), workspace
    )
    try:
        validated = validate_contract(parse_contract_text(text), full_schema)
    except ContractError as exc:
        raise AssistantAnswerError(
            f"the model's answer is not a valid Safe Actions contract: {exc}", raw_text=text
        ) from exc
    fields = stage_fields_for_contract(validated, full_schema, question, settings.model)
    return AssistantResult(
        mode=GENERATION_MODE_SAFE_ACTIONS, question=question, model=settings.model, raw_text=text,
        code=fields["C"], stage_fields=fields, contract=validated.payload(), notes=validated.notes,
        response_id=response_id,
    )


async def ask_python_snippet(
    settings: AssistantSettings,
    question: str,
    schema: Any,
    *,
    workspace: Workspace | None = None,
) -> AssistantResult:
    """Ask for raw Python code (advanced mode); it is returned marked for review and never executed.

    Arguments and errors are those of :func:`ask_safe_actions`.
    """
    question = _check_question(question)
    _, prompt_schema = _prompt_schema(schema)
    text, response_id = await _respond(
        settings, PYTHON_SNIPPET_INSTRUCTIONS, python_snippet_input(question, prompt_schema), workspace
    )
    code = extract_python_code(text)
    if not code.strip():
        raise AssistantAnswerError("the model's answer holds no code", raw_text=text)
    fields = stage_fields_for_snippet(code, question, settings.model)
    return AssistantResult(
        mode=GENERATION_MODE_PYTHON_SNIPPET, question=question, model=settings.model, raw_text=text,
        code=fields["C"], stage_fields=fields, response_id=response_id,
    )


async def _respond(
    settings: AssistantSettings, instructions: str, input_text: str, workspace: Workspace | None
) -> tuple[str, str | None]:
    """One Responses API call; returns ``output_text`` and the response id, or raises an AssistantError."""
    explicit = settings.api_key.get_secret_value() if settings.api_key else None
    key, _ = resolve_api_key(explicit, workspace)
    import openai

    where = settings.base_url or "the OpenAI API"
    client = openai.AsyncOpenAI(
        api_key=key, base_url=settings.base_url, timeout=settings.timeout_s, max_retries=settings.max_retries
    )
    request: dict[str, Any] = {"model": settings.model, "instructions": instructions, "input": input_text}
    if settings.max_output_tokens is not None:
        request["max_output_tokens"] = settings.max_output_tokens
    try:
        async with asyncio.timeout(settings.timeout_s):
            response = await client.responses.create(**request)
    except (TimeoutError, openai.APITimeoutError):
        raise AssistantTimeoutError(f"no answer from {where} within {settings.timeout_s:g} s") from None
    except openai.APIStatusError as exc:
        raise _status_error(exc, where, key) from None
    except openai.APIConnectionError as exc:
        raise AssistantConnectionError(f"cannot reach {where}: {_scrub(str(exc), key)}") from None
    except openai.OpenAIError as exc:
        raise AssistantError(f"the request to {where} failed: {_scrub(str(exc), key)}") from None
    finally:
        await client.close()
    text = response.output_text or ""
    if not text.strip():
        raise AssistantAnswerError(f"{where} returned an empty answer (status {response.status})", raw_text=text)
    return text, response.id


def _status_error(exc: Any, where: str, key: str) -> AssistantAPIError:
    status = exc.status_code
    detail = _scrub(_server_message(exc), key)
    if status in (401, 403):
        return AssistantAuthError(
            f"{where} refused the API key (HTTP {status}): {detail}. Check OPENAI_API_KEY or the saved key.",
            status=status,
        )
    if status == 429:
        retry_after = _retry_after(exc)
        hint = f"; retry after {retry_after:g} s" if retry_after is not None else "; wait and retry"
        return AssistantRateLimitError(f"{where} is rate limiting requests (HTTP 429): {detail}{hint}",
                                       retry_after_s=retry_after)
    return AssistantAPIError(f"{where} answered HTTP {status}: {detail}", status=status)


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
    return str(getattr(exc, "message", "") or exc)


def _retry_after(exc: Any) -> float | None:
    try:
        return float(exc.response.headers.get("retry-after"))
    except (TypeError, ValueError, AttributeError):
        return None


def _scrub(message: str, key: str) -> str:
    """Remove the key from any text shown to the user, and keep the text short."""
    cleaned = message.replace(key, "***") if key else message
    return cleaned if len(cleaned) <= _MESSAGE_LIMIT else cleaned[: _MESSAGE_LIMIT - 3] + "..."
