"""How worker hosts reach the package index: ``[cluster.index]``, with defaults from this machine's own set-up.

An SSH session carries none of the controller's environment (``SSL_CERT_FILE``, proxies, index URLs),
so a host behind the same corporate TLS proxy fails with ``invalid peer certificate: UnknownIssuer``.
Every blank setting is therefore derived from the controller: uv and pip environment variables,
``pip.conf`` files, CA bundle variables and proxy variables. The CA bundle is shipped to the host as
a file; everything else is written to an env file on the host (mode 0600) that install steps source,
so secrets in proxy or index URLs never appear in a logged command line.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_TRUE = {"1", "true", "yes", "on"}
_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<cred>[^/@\s]+)@", re.IGNORECASE)


class IndexSettings(BaseModel):
    """``[cluster.index]``: blanks mean "as on this machine" (see :func:`resolve_index_access`)."""

    model_config = ConfigDict(extra="allow")
    url: str = ""
    """Primary index (``UV_INDEX_URL``); blank = the controller's, else uv's default (PyPI)."""
    extra_urls: list[str] = Field(default_factory=list)
    """Extra indexes; blank = the controller's (controller-local ``file://`` ones are left out)."""
    ca_file: str = ""
    """A CA bundle on this machine, shipped to every host; blank = ``SSL_CERT_FILE`` & co. here."""
    native_tls: bool | None = None
    """Use the host's system trust store (``UV_NATIVE_TLS``); unset = as ``UV_NATIVE_TLS`` here."""
    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: str = ""
    wheels: Literal["auto", "never", "always"] = "auto"
    """Push wheels from this machine over SFTP: when the host cannot reach the index (auto), never, always."""
    derive: bool = True
    """Fill blank settings from this machine's configuration."""


@dataclass
class IndexAccess:
    """The effective index configuration for the hosts, and where each value came from."""

    url: str = ""
    extra_urls: list[str] = field(default_factory=list)
    ca_file: str = ""
    native_tls: bool = False
    proxies: dict[str, str] = field(default_factory=dict)
    wheels: str = "auto"
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def host_env(self, remote_ca: str | None) -> dict[str, str]:
        """Variables for uv (and Python's ssl/urllib) on a host, given where its CA copy lies."""
        env: dict[str, str] = {}
        if self.url:
            env["UV_INDEX_URL"] = self.url
            env["PIP_INDEX_URL"] = self.url
        if self.extra_urls:
            env["UV_EXTRA_INDEX_URL"] = " ".join(self.extra_urls)
            env["PIP_EXTRA_INDEX_URL"] = " ".join(self.extra_urls)
        if remote_ca:
            env["SSL_CERT_FILE"] = remote_ca
            env["REQUESTS_CA_BUNDLE"] = remote_ca
            env["PIP_CERT"] = remote_ca
        if self.native_tls:
            env["UV_NATIVE_TLS"] = "1"  # older uv
            env["UV_SYSTEM_CERTS"] = "1"  # its newer name
        for key, value in self.proxies.items():
            env[key.upper()] = value
            env[key.lower()] = value
        return env

    def probe_url(self) -> str:
        """The URL a host fetches to learn whether it reaches the index."""
        return (self.url or "https://pypi.org/simple").rstrip("/") + "/pip/"

    def rows(self) -> list[tuple[str, str, str]]:
        """(setting, effective value with credentials hidden, origin) for display."""
        rows = [("index url", redact(self.url) or "uv default (https://pypi.org/simple)", self.sources.get("url", "default")),
                ("extra indexes", redact(" ".join(self.extra_urls)) or "none", self.sources.get("extra_urls", "default")),
                ("CA file shipped", self.ca_file or "none", self.sources.get("ca_file", "default")),
                ("native TLS", "yes" if self.native_tls else "no", self.sources.get("native_tls", "default")),
                ("wheels from here", self.wheels, "settings")]
        for key in ("http_proxy", "https_proxy", "no_proxy"):
            rows.append((key, redact(self.proxies.get(key, "")) or "none", self.sources.get(key, "default")))
        return rows


def redact(text: str) -> str:
    """Hide ``user:password@`` in URLs so they can be logged or shown."""
    return _CREDENTIALS.sub(lambda m: f"{m.group('scheme')}***@", text or "")


def _pip_config_files(environ: Mapping[str, str]) -> list[Path]:
    """pip's configuration files in pip's own order of precedence (later ones win)."""
    home = Path(environ.get("HOME") or Path.home())
    xdg = [Path(p) for p in (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if p]
    files = [p / "pip" / "pip.conf" for p in xdg] + [Path("/etc/pip.conf")]
    files += [home / ".pip" / "pip.conf", Path(environ.get("XDG_CONFIG_HOME") or home / ".config") / "pip" / "pip.conf"]
    if environ.get("VIRTUAL_ENV"):
        files.append(Path(environ["VIRTUAL_ENV"]) / "pip.conf")
    if environ.get("PIP_CONFIG_FILE") and environ["PIP_CONFIG_FILE"] != os.devnull:
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    return files


def pip_config(environ: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """``{key: (value, file)}`` from the ``[global]`` and ``[install]`` sections of pip.conf files."""
    environ = os.environ if environ is None else environ
    values: dict[str, tuple[str, str]] = {}
    for path in _pip_config_files(environ):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue  # pip itself reports a broken file; the defaults just skip it
        for section in ("global", "install"):
            if parser.has_section(section):
                for key, value in parser.items(section):
                    values[key.replace("_", "-")] = (value.strip(), f"{path} [{section}] {key}")
    return values


def _first(environ: Mapping[str, str], pip: dict[str, tuple[str, str]], names: tuple[str, ...],
           pip_key: str | None) -> tuple[str, str]:
    for name in names:
        if environ.get(name):
            return environ[name], f"${name} here"
    if pip_key and pip_key in pip:
        return pip[pip_key]
    return "", "default"


def _remote_usable(url: str) -> bool:
    """A URL a host can use: ``file://`` and bare paths point into this machine's filesystem."""
    return bool(url) and not url.startswith("file:") and "://" in url


def controller_defaults(environ: Mapping[str, str] | None = None) -> IndexAccess:
    """The controller's own index, TLS and proxy configuration, as hosts should get it."""
    environ = os.environ if environ is None else environ
    pip = pip_config(environ)
    access = IndexAccess()
    url, origin = _first(environ, pip, ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"), "index-url")
    if url and not _remote_usable(url):
        access.notes.append(f"index {url} ({origin}) is local to this machine: hosts use uv's default index")
    elif url:
        access.url, access.sources["url"] = url, origin
    extra, origin = _first(environ, pip, ("UV_INDEX", "UV_EXTRA_INDEX_URL", "PIP_EXTRA_INDEX_URL"), "extra-index-url")
    for item in extra.split():
        name, sep, rest = item.partition("=")
        if sep and "://" in rest and "://" not in name:  # uv's UV_INDEX takes name=url entries
            item = rest
        if _remote_usable(item):
            access.extra_urls.append(item)
            access.sources["extra_urls"] = origin
        else:
            access.notes.append(f"extra index {item} ({origin}) is local to this machine: not given to hosts")
    ca, origin = _first(environ, pip, ("SSL_CERT_FILE", "UV_CA_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE"),
                        "cert")
    if ca and Path(ca).is_file():
        access.ca_file, access.sources["ca_file"] = ca, origin
    elif ca:
        access.notes.append(f"CA bundle {ca} ({origin}) is not a readable file: not shipped")
    for name in ("UV_NATIVE_TLS", "UV_SYSTEM_CERTS"):
        if environ.get(name, "").lower() in _TRUE:
            access.native_tls, access.sources["native_tls"] = True, f"${name} here"
    for key in ("http_proxy", "https_proxy", "no_proxy"):
        value, origin = _first(environ, {}, (key.upper(), key), None)
        if not value and key != "no_proxy":
            value, origin = _first(environ, {}, ("ALL_PROXY", "all_proxy"), None)
        if not value and key in ("http_proxy", "https_proxy") and "proxy" in pip:
            value, origin = pip["proxy"]
        if value:
            access.proxies[key] = value
            access.sources[key] = origin
    return access


def index_settings(cluster: Any) -> IndexSettings:
    """``[cluster.index]`` of a :class:`~engine.settings.ClusterSettings` (kept as an extra table)."""
    raw = getattr(cluster, "index", None)
    if raw is None:
        raw = (getattr(cluster, "model_extra", None) or {}).get("index", {})
    if isinstance(raw, IndexSettings):
        return raw
    return IndexSettings.model_validate(dict(raw or {}))


def resolve_index_access(settings: IndexSettings, environ: Mapping[str, str] | None = None) -> IndexAccess:
    """Settings first; blanks from this machine when ``derive`` is on."""
    access = controller_defaults(environ) if settings.derive else IndexAccess()
    if settings.url:
        access.url, access.sources["url"] = settings.url, "[cluster.index] url"
    if settings.extra_urls:
        access.extra_urls, access.sources["extra_urls"] = list(settings.extra_urls), "[cluster.index] extra_urls"
    if settings.ca_file:
        path = Path(os.path.expanduser(settings.ca_file))
        if not path.is_file():
            from .errors import InstallError

            raise InstallError(f"[cluster.index] ca_file '{settings.ca_file}' is not a readable file on this machine")
        access.ca_file, access.sources["ca_file"] = str(path), "[cluster.index] ca_file"
    if settings.native_tls is not None:
        access.native_tls, access.sources["native_tls"] = settings.native_tls, "[cluster.index] native_tls"
    for key in ("http_proxy", "https_proxy", "no_proxy"):
        value = getattr(settings, key)
        if value:
            access.proxies[key], access.sources[key] = value, f"[cluster.index] {key}"
    access.wheels = settings.wheels
    return access


def env_file_text(env: Mapping[str, str]) -> str:
    """A POSIX-shell file of ``export K='V'`` lines, sourced by the install steps on the host."""
    import shlex

    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in sorted(env.items()))
