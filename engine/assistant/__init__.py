"""The assistant: Safe Actions contracts (validated, rendered to pandas), the Responses API client, and the offline builder.

Importing this package loads neither ``openai`` nor ``pandas``; they are imported when first needed.
"""

from __future__ import annotations

from .api_key import ApiKeyStatus, api_key_present, api_key_status, delete_api_key, save_api_key
from .builder import (
    add_action,
    build_action,
    columns_at,
    empty_contract,
    move_action,
    remove_action,
    replace_action,
)
from .catalog import ACTION_CATALOG, ActionSpec, FieldSpec, action_spec
from .client import AssistantResult, AssistantSettings, ask_python_snippet, ask_safe_actions
from .errors import (
    AssistantAnswerError,
    AssistantAPIError,
    AssistantAuthError,
    AssistantConnectionError,
    AssistantError,
    AssistantRateLimitError,
    AssistantTimeoutError,
    ContractError,
    ContractParseError,
    MissingApiKeyError,
    SecretsFileError,
)
from .reference import apply_contract
from .safe_actions import (
    GENERATION_MODE_PYTHON_SNIPPET,
    GENERATION_MODE_SAFE_ACTIONS,
    SAFE_ACTION_STAGE_KEYS,
    SUPPORTED_ACTIONS,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
    Contract,
    contract_sha256,
    dataframe_schema_sha256,
    parse_contract_text,
    render_pandas_code,
    stage_fields_for_contract,
    summarize_contract,
    validate_contract,
)
from .schema import DataFrameSchema, dataframe_schema, dataframe_schema_for_prompt
from .snippet import extract_python_code, stage_fields_for_snippet

__all__ = [
    "ACTION_CATALOG",
    "GENERATION_MODE_PYTHON_SNIPPET",
    "GENERATION_MODE_SAFE_ACTIONS",
    "SAFE_ACTION_STAGE_KEYS",
    "SUPPORTED_ACTIONS",
    "TEMPLATE_ID",
    "TEMPLATE_VERSION",
    "ActionSpec",
    "ApiKeyStatus",
    "AssistantAPIError",
    "AssistantAnswerError",
    "AssistantAuthError",
    "AssistantConnectionError",
    "AssistantError",
    "AssistantRateLimitError",
    "AssistantResult",
    "AssistantSettings",
    "AssistantTimeoutError",
    "Contract",
    "ContractError",
    "ContractParseError",
    "DataFrameSchema",
    "FieldSpec",
    "MissingApiKeyError",
    "SecretsFileError",
    "action_spec",
    "add_action",
    "api_key_present",
    "api_key_status",
    "apply_contract",
    "ask_python_snippet",
    "ask_safe_actions",
    "build_action",
    "columns_at",
    "contract_sha256",
    "dataframe_schema",
    "dataframe_schema_for_prompt",
    "dataframe_schema_sha256",
    "delete_api_key",
    "empty_contract",
    "extract_python_code",
    "move_action",
    "parse_contract_text",
    "remove_action",
    "render_pandas_code",
    "replace_action",
    "save_api_key",
    "stage_fields_for_contract",
    "stage_fields_for_snippet",
    "summarize_contract",
    "validate_contract",
]
