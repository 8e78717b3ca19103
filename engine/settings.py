"""Per-app settings (``agilab.app_settings.v1``): tomlkit round trip, pydantic validation, atomic writes.

Comments, key order and unknown keys survive every save because edits are applied to the parsed
tomlkit document, never to a re-serialised model.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tomlkit.toml_document import TOMLDocument

from .atomic import atomic_write_text, content_digest, file_lock
from .errors import FileChangedError, SettingsError
from .index_access import IndexSettings
from .modes import compute_mode, mode_label
from .service_settings import ServiceSettings
from .settings_read import check_settings_shape, parse_toml_text, read_text_once
from .workspace import AppProject, Workspace

SCHEMA = "agilab.app_settings.v1"
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$")


def validate_host(host: str) -> str:
    """Accept an IP address or hostname, optionally as ``user@host`` and/or ``host:sshport``."""
    bare = host.split("@", 1)[1] if "@" in host else host
    name, sep, port = bare.rpartition(":")
    if sep and bare.count(":") == 1:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"'{host}' has an invalid SSH port '{port}'")
        bare = name
    try:
        ipaddress.ip_address(bare)
        return host
    except ValueError:
        pass
    if not bare or len(bare) > 253 or not _HOST_PATTERN.match(bare):
        raise ValueError(f"'{host}' is not a valid host name or IP address")
    return host


def validate_scheduler(value: str) -> str:
    """``host:port`` with a port in 1-65535 (the host part as :func:`validate_host`)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"scheduler '{value}' must look like host:port with a port in 1-65535")
    validate_host(host)
    return value


class ServiceHealth(BaseModel):
    """SLA thresholds of the service-mode health gate."""

    model_config = ConfigDict(extra="allow", strict=True)
    allow_idle: bool = False
    max_unhealthy: int = Field(0, ge=0)
    max_restart_rate: float = Field(0.25, ge=0.0)


class ClusterSettings(BaseModel):
    """The ``[cluster]`` table; unknown keys are kept, values of the wrong type are refused."""

    model_config = ConfigDict(extra="allow", strict=True)
    verbose: int = Field(1, ge=0, le=3)
    cython: bool = False
    pool: bool = False
    rapids: bool = False
    cluster_enabled: bool = False
    scheduler: str = "127.0.0.1:8786"
    workers_data_path: str = ""
    user: str = ""
    auth_method: Literal["ssh_key", "password"] = "ssh_key"
    ssh_key_path: str = ""
    pool_max_workers: int | None = Field(None, ge=1)
    pool_executor: Literal["auto", "process", "thread"] = "auto"
    remote_root: str = "~/.agilab-tui"
    """Folder on each worker host holding its worker environments (``{host}`` is replaced)."""
    remote_python: str = "python3"
    """Interpreter uv builds the remote worker environments from."""
    data_transfer: Literal["auto", "shared", "dask"] = "auto"
    """How partitions reach Dask workers: a shared folder, or through Dask itself (no sshfs needed)."""
    worker_loss_timeout: float = Field(30.0, gt=0, le=86400)
    """Seconds a Dask run waits for a worker to (re)join once every worker is lost, then fails."""
    workers: dict[str, int] = Field(default_factory=lambda: {"127.0.0.1": 2})
    service_health: ServiceHealth = Field(default_factory=ServiceHealth)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    """``[cluster.service]``: heartbeat timeout and queue retention of service mode."""
    index: IndexSettings = Field(default_factory=IndexSettings)
    """``[cluster.index]``: how worker hosts reach the package index (see engine/index_access.py)."""

    @field_validator("cython", "pool", "rapids", mode="before")
    @classmethod
    def _int_flags(cls, value: Any) -> Any:
        # AGILab reads these with int(), so 0/1 are as valid as false/true; nothing else is coerced.
        if isinstance(value, int) and not isinstance(value, bool):
            if value not in (0, 1):
                raise ValueError(f"must be true/false (or 0/1), got {value}")
            return bool(value)
        return value

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, value: str) -> str:
        return validate_scheduler(value)

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: dict[str, int]) -> dict[str, int]:
        return validate_worker_map(value)

    @property
    def mode(self) -> int:
        return compute_mode(pool=self.pool, cython=self.cython, cluster=self.cluster_enabled, rapids=self.rapids)

    @property
    def modes_enabled(self) -> int:
        return self.mode


def validate_worker_map(workers: dict[str, Any]) -> dict[str, int]:
    """Host -> non-negative slot count, with at least one slot in all."""
    cleaned: dict[str, int] = {}
    for host, slots in workers.items():
        validate_host(str(host))
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 0:
            raise ValueError(f"worker '{host}' needs a non-negative integer slot count, got {slots!r}")
        cleaned[str(host)] = slots
    if not cleaned or sum(cleaned.values()) == 0:
        raise ValueError("the worker map needs at least one host with one slot or more")
    return cleaned


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=', re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def parse_toml_file(path: Path) -> TOMLDocument:
    """Parse a TOML file, turning a syntax error into a :class:`SettingsError` with its line."""
    text, _ = read_text_once(path)
    return parse_toml_text(path, text)


def first_validation_error(path: Path, text: str, exc: ValidationError, prefix: str = "") -> SettingsError:
    """Name the key (dotted) and its line for the first pydantic error."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = ".".join(([prefix] if prefix else []) + loc)
    line = _line_of_key(text, loc[-1]) if loc else None
    message = err["msg"]
    if err.get("type") == "extra_forbidden":
        message = "unknown key (not accepted by the app's argument model)"
    return SettingsError(path, message, line=line, key=key)


class AppSettings:
    """The mutable per-user settings of one app, kept as a tomlkit document."""

    def __init__(self, path: Path, document: TOMLDocument, digest: str | None, *, text: str | None = None):
        self.path = path
        self.document = document
        self._digest = digest
        self._text = text
        self.cluster = self._validated_cluster(document)

    # --- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> AppSettings:
        # One read: the digest the save compares against is that of the bytes actually parsed.
        text, digest = read_text_once(path)
        document = parse_toml_text(path, text)
        check_settings_shape(path, text, document)
        return cls(path, document, digest, text=text)

    def _validated_cluster(self, document: TOMLDocument) -> ClusterSettings:
        raw = document.get("cluster", {})
        data = raw.unwrap() if hasattr(raw, "unwrap") else dict(raw)
        try:
            return ClusterSettings.model_validate(data)
        except ValidationError as exc:
            text = self._text or tomlkit.dumps(document)
            raise first_validation_error(self.path, text, exc, prefix="cluster") from exc

    # --- reading -----------------------------------------------------------------------------
    @property
    def args(self) -> dict[str, Any]:
        raw = self.document.get("args", {})
        return raw.unwrap() if hasattr(raw, "unwrap") else dict(raw)

    @property
    def mode(self) -> int:
        return self.cluster.mode

    @property
    def mode_label(self) -> str:
        return mode_label(self.mode)

    @property
    def pages(self) -> dict[str, Any]:
        raw = self.document.get("pages", {})
        return raw.unwrap() if hasattr(raw, "unwrap") else dict(raw)

    # --- editing -----------------------------------------------------------------------------
    def _table(self, *keys: str) -> Any:
        node: Any = self.document
        for key in keys:
            if key not in node:
                node[key] = tomlkit.table()
            node = node[key]
        return node

    def update_cluster(self, **values: Any) -> None:
        """Set ``[cluster]`` keys after validating the result; nothing changes if it is invalid."""
        merged = {**self.cluster.model_dump(exclude_none=True), **values}
        try:
            validated = ClusterSettings.model_validate(merged)
        except ValidationError as exc:
            raise first_validation_error(self.path, "", exc, prefix="cluster") from exc
        table = self._table("cluster")
        for key, value in values.items():
            if key == "workers":
                self._replace_workers(value)
            elif value is None:
                table.pop(key, None)
            else:
                table[key] = value
        self.cluster = validated

    def _replace_workers(self, workers: dict[str, int]) -> None:
        table = self._table("cluster", "workers")
        for host in list(table.keys()):
            if host not in workers:
                del table[host]
        for host, slots in workers.items():
            table[host] = slots

    def set_workers(self, workers: dict[str, int]) -> None:
        self.update_cluster(workers=validate_worker_map(workers))

    def set_args(self, args: dict[str, Any]) -> None:
        """Replace ``[args]`` values (keys not in ``args`` are removed); the caller validated them."""
        table = self._table("args")
        for key in list(table.keys()):
            if key not in args:
                del table[key]
        for key, value in args.items():
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value

    def save(self) -> None:
        """Write atomically under the lock, refusing when the file changed on disk since loading."""
        with file_lock(self.path):
            if content_digest(self.path) != self._digest:
                raise FileChangedError(self.path)
            text = tomlkit.dumps(self.document)
            atomic_write_text(self.path, text)
            self._digest = content_digest(self.path)


def seed_settings(workspace: Workspace, app: AppProject) -> Path:
    """Copy the app's versioned settings into the workspace on first use; return the per-user path."""
    target = workspace.settings_file(app)
    if not target.exists():
        with file_lock(target):
            if not target.exists():
                seed = app.settings_seed
                text = seed.read_text("utf-8") if seed.exists() else f'[__meta__]\nschema = "{SCHEMA}"\nversion = 1\n'
                atomic_write_text(target, text)
    return target


def load_settings(workspace: Workspace, app: AppProject) -> AppSettings:
    """Seed when needed, then parse and validate; a malformed file raises and is left untouched."""
    return AppSettings.load(seed_settings(workspace, app))
