"""Errors of the assistant: bad contracts, missing keys, and failed calls to the Responses API."""

from __future__ import annotations

from ..errors import AgilabError


class AssistantError(AgilabError):
    """Base of every assistant error; the message is shown to the user as-is and never holds the API key."""


class ContractError(AssistantError):
    """A Safe Actions contract is malformed or does not fit the dataframe schema.

    ``action_index`` is 0-based (the message counts from 1), ``key`` names the offending
    key and ``column`` the unknown or unsuitable dataframe column, each when known.
    """

    def __init__(
        self,
        message: str,
        *,
        action_index: int | None = None,
        action: str | None = None,
        key: str | None = None,
        column: str | None = None,
    ):
        self.action_index = action_index
        self.action = action
        self.key = key
        self.column = column
        self.detail = message
        where: list[str] = []
        if action_index is not None:
            where.append(f"action {action_index + 1}" + (f" ({action})" if action else ""))
        if key is not None:
            where.append(f"key '{key}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ContractParseError(ContractError):
    """The text holds no JSON object that could be a contract."""


class MissingApiKeyError(AssistantError):
    """No API key in the settings, the environment, or the workspace secrets file."""


class SecretsFileError(AssistantError):
    """The secrets file is unsafe (group/world permissions) or unreadable."""


class AssistantAPIError(AssistantError):
    """The API answered with an HTTP error; ``status`` holds the code when one came back."""

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status
        super().__init__(message)


class AssistantAuthError(AssistantAPIError):
    """The API refused the key (401/403)."""


class AssistantRateLimitError(AssistantAPIError):
    """The API asked to slow down (429); ``retry_after_s`` is set when the server said how long."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after_s: float | None = None):
        self.retry_after_s = retry_after_s
        super().__init__(message, status=status)


class AssistantConnectionError(AssistantError):
    """The API endpoint could not be reached."""


class AssistantTimeoutError(AssistantError):
    """The model did not answer within the configured timeout."""


class AssistantAnswerError(AssistantError):
    """The model answered, but not with something usable; ``raw_text`` keeps the answer for review."""

    def __init__(self, message: str, *, raw_text: str = ""):
        self.raw_text = raw_text
        super().__init__(message)
