"""Index access defaults come from this machine's own configuration; settings override; secrets are hidden."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.errors import InstallError
from engine.index_access import (
    IndexSettings,
    controller_defaults,
    env_file_text,
    pip_config,
    redact,
    resolve_index_access,
)
from engine.remote_host_prep import HostPython
from engine.wheelhouse import missing_wheels, platform_tags, uv_platform


def test_defaults_follow_uv_and_pip_variables_and_drop_what_only_exists_here(tmp_path: Path):
    ca = tmp_path / "corp-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "none"),
           "UV_INDEX_URL": "https://mirror.corp/simple",
           "UV_INDEX": "internal=https://pkgs.corp/simple file:///opt/wheels/simple",
           "SSL_CERT_FILE": str(ca), "HTTPS_PROXY": "http://bob:pw@proxy:3128", "NO_PROXY": "localhost,.corp",
           "UV_NATIVE_TLS": "true"}
    access = controller_defaults(env)
    assert access.url == "https://mirror.corp/simple" and access.sources["url"] == "$UV_INDEX_URL here"
    assert access.extra_urls == ["https://pkgs.corp/simple"]
    assert any("file:///opt/wheels/simple" in n and "local to this machine" in n for n in access.notes)
    assert access.ca_file == str(ca) and access.native_tls
    assert access.proxies == {"https_proxy": "http://bob:pw@proxy:3128", "no_proxy": "localhost,.corp"}
    host = access.host_env("/home/u/.agilab-tui/index/ca-bundle.pem")
    assert host["SSL_CERT_FILE"] == "/home/u/.agilab-tui/index/ca-bundle.pem" and host["UV_NATIVE_TLS"] == "1"
    assert host["HTTPS_PROXY"] == host["https_proxy"] == "http://bob:pw@proxy:3128"
    assert host["UV_EXTRA_INDEX_URL"] == "https://pkgs.corp/simple"
    shown = "\n".join(f"{a} {b} {c}" for a, b, c in access.rows())
    assert "bob:pw" not in shown and "http://***@proxy:3128" in shown


def test_pip_conf_is_read_like_pip_does_with_the_user_file_last(tmp_path: Path):
    (tmp_path / "xdg" / "pip").mkdir(parents=True)
    (tmp_path / "xdg" / "pip" / "pip.conf").write_text("[global]\nindex-url = https://site.corp/simple\n")
    (tmp_path / ".config" / "pip").mkdir(parents=True)
    (tmp_path / ".config" / "pip" / "pip.conf").write_text(
        "[global]\nindex-url = https://user.corp/simple\nextra-index-url = https://x.corp/simple\n"
        "cert = /nonexistent/ca.pem\n")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "xdg")}
    config = pip_config(env)
    assert config["index-url"][0] == "https://user.corp/simple"
    access = controller_defaults(env)
    assert access.url == "https://user.corp/simple" and "pip.conf [global] index-url" in access.sources["url"]
    assert access.extra_urls == ["https://x.corp/simple"]
    assert access.ca_file == "" and any("/nonexistent/ca.pem" in n for n in access.notes)


def test_this_machines_pip_config_agrees_with_pip_itself():
    listed = subprocess.run(["python3", "-m", "pip", "config", "list"], capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("pip is not usable here")
    ours = pip_config()
    for line in listed.stdout.splitlines():
        key, _, value = line.partition("=")
        scope, _, name = key.partition(".")
        if scope in ("global", "install") and not key.startswith(":env:"):
            assert ours[name][0] == value.strip("'"), (name, ours.get(name))


def test_settings_override_and_a_missing_ca_file_is_an_error(tmp_path: Path):
    env = {"HOME": str(tmp_path), "UV_INDEX_URL": "https://mirror.corp/simple", "HTTP_PROXY": "http://p:1"}
    access = resolve_index_access(IndexSettings(url="https://other/simple", http_proxy="http://q:2", wheels="always"), env)
    assert access.url == "https://other/simple" and access.sources["url"] == "[cluster.index] url"
    assert access.proxies["http_proxy"] == "http://q:2" and access.wheels == "always"
    bare = resolve_index_access(IndexSettings(derive=False), env)
    assert bare.url == "" and bare.proxies == {}
    with pytest.raises(InstallError, match="ca_file '/nope.pem' is not a readable file"):
        resolve_index_access(IndexSettings(ca_file="/nope.pem"), env)


def test_env_file_quotes_values_and_redact_hides_credentials():
    text = env_file_text({"HTTPS_PROXY": "http://u:p w'x@h:1"})
    out = subprocess.run(["sh", "-c", text + 'printf %s "$HTTPS_PROXY"'], capture_output=True, text=True)
    assert out.stdout == "http://u:p w'x@h:1"
    assert redact("https://tok:abc@idx/simple and http://h/") == "https://***@idx/simple and http://h/"


def test_wheel_platforms_cover_older_manylinux_and_pins_are_matched(tmp_path: Path):
    python = HostPython("/usr/bin/python3", (3, 11), "x86_64", (2, 36))
    tags = platform_tags(python)
    assert tags[0] == "manylinux_2_36_x86_64" and "manylinux_2_17_x86_64" in tags and "manylinux2014_x86_64" in tags
    assert uv_platform(python) == "x86_64-manylinux_2_36"
    (tmp_path / "MarkupSafe-3.0.4-cp311-cp311-manylinux_2_17_x86_64.whl").write_text("")
    assert missing_wheels(tmp_path, "markupsafe==3.0.4\nzict==3.0.0\n") == ["zict==3.0.0"]


def test_a_failed_step_is_named_by_the_line_that_says_why():
    from engine.remote_install import telling_line

    uv = ["Resolved 3 packages", "error: Failed to fetch: `https://pypi.org/simple/pandas/`",
          "  Caused by: invalid peer certificate: UnknownIssuer",
          "hint: Consider enabling use of system TLS certificates with the `--system-certs` command-line flag"]
    assert telling_line(uv) == "  Caused by: invalid peer certificate: UnknownIssuer"
    assert telling_line(["just one line"]) == "just one line"
