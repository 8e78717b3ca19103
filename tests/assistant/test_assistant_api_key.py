"""The API key in the workspace secrets file: written 0600, refused when group/world accessible."""

from __future__ import annotations

import os
import stat

import pytest
import tomlkit

from engine.assistant import (
    MissingApiKeyError,
    SecretsFileError,
    api_key_present,
    api_key_status,
    delete_api_key,
    save_api_key,
)
from engine.assistant.api_key import read_secrets_key, resolve_api_key
from engine.workspace import Workspace

KEY = "sk-test-0123456789abcdef"


def mode_of(path: os.PathLike[str]) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_save_writes_mode_0600_and_keeps_other_tables(workspace: Workspace) -> None:
    workspace.secrets_file.write_text('[mlflow]\ntoken = "keep-me"\n', "utf-8")
    os.chmod(workspace.secrets_file, 0o600)
    path = save_api_key(workspace, f"  {KEY}\n")
    assert path == workspace.secrets_file
    assert mode_of(path) == 0o600
    document = tomlkit.parse(path.read_text("utf-8"))
    assert document["openai"]["api_key"] == KEY
    assert document["mlflow"]["token"] == "keep-me"
    assert read_secrets_key(path) == KEY
    assert api_key_present(workspace)
    assert api_key_status(workspace).source == "secrets file"


def test_save_tightens_a_loose_file(workspace: Workspace) -> None:
    workspace.secrets_file.write_text("", "utf-8")
    os.chmod(workspace.secrets_file, 0o644)
    save_api_key(workspace, KEY)
    assert mode_of(workspace.secrets_file) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o606])
def test_group_or_world_accessible_file_is_refused(workspace: Workspace, mode: int) -> None:
    save_api_key(workspace, KEY)
    os.chmod(workspace.secrets_file, mode)
    with pytest.raises(SecretsFileError) as caught:
        read_secrets_key(workspace.secrets_file)
    message = str(caught.value)
    assert f"mode {mode:04o}" in message and "chmod 600" in message and KEY not in message
    status = api_key_status(workspace)
    assert not status.present and status.problem == message
    assert not api_key_present(workspace)
    with pytest.raises(SecretsFileError):
        resolve_api_key(None, workspace)


def test_broken_toml_is_reported_without_its_content(workspace: Workspace) -> None:
    workspace.secrets_file.write_text(f'[openai]\napi_key = "{KEY}\n', "utf-8")
    os.chmod(workspace.secrets_file, 0o600)
    with pytest.raises(SecretsFileError, match="not valid TOML") as caught:
        read_secrets_key(workspace.secrets_file)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("bad", ["", "   ", "sk one", "sk-a\nsk-b"])
def test_save_refuses_blank_or_multi_word_keys(workspace: Workspace, bad: str) -> None:
    with pytest.raises(SecretsFileError, match="one word"):
        save_api_key(workspace, bad)
    assert not workspace.secrets_file.exists()


def test_resolution_order_settings_then_environment_then_file(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(MissingApiKeyError, match="OPENAI_API_KEY"):
        resolve_api_key(None, workspace)
    assert not api_key_present(workspace)
    save_api_key(workspace, "sk-from-file")
    assert resolve_api_key(None, workspace) == ("sk-from-file", "secrets file")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert resolve_api_key(None, workspace) == ("sk-from-env", "environment")
    assert api_key_status(workspace).source == "environment"
    assert resolve_api_key("sk-explicit", workspace) == ("sk-explicit", "settings")


def test_delete_removes_only_the_key(workspace: Workspace) -> None:
    assert not delete_api_key(workspace)
    save_api_key(workspace, KEY)
    assert delete_api_key(workspace)
    assert read_secrets_key(workspace.secrets_file) is None
    assert mode_of(workspace.secrets_file) == 0o600
    assert not api_key_present(workspace)
