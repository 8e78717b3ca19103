"""Where AGILab itself reads and writes, all under ``HOME`` (read at call time, so tests can move it)."""

from __future__ import annotations

from pathlib import Path

PREFIX = "agilab:"
MARKER = Path(".local/share/agilab/.agilab-path")


def home() -> Path:
    return Path.home()


def project_name(app_name: str) -> str:
    """``agilab:flight_telemetry_project`` -> ``flight_telemetry_project`` (AGILab's own app name)."""
    return app_name[len(PREFIX):] if app_name.startswith(PREFIX) else app_name


def settings_file(project: str) -> Path:
    return home() / ".agilab" / "apps" / project_name(project) / "app_settings.toml"


def env_file() -> Path:
    return home() / ".agilab" / ".env"


def marker_file() -> Path:
    return home() / MARKER


def wenv_dir(target: str) -> Path:
    return home() / "wenv" / f"{target}_worker"


def log_dir(target: str) -> Path:
    return home() / "log" / "execute" / target


def benchmark_file() -> Path:
    return home() / ".agilab" / "benchmark.json"


def local_share() -> Path:
    return home() / "localshare" / "user"


def cluster_share() -> Path:
    return home() / "clustershare" / "user"


def share_for_mode(mode: int) -> Path:
    """Modes 0-3 write under the local share, the Dask modes (bit 4) under the cluster share."""
    return cluster_share() if mode & 4 else local_share()


def resolve_data(value: str, mode: int) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else share_for_mode(mode) / path


def read_env() -> dict[str, str]:
    """``~/.agilab/.env`` as a dict (AgiEnv reads it; the process environment is not enough)."""
    values: dict[str, str] = {}
    try:
        text = env_file().read_text("utf-8")
    except OSError:
        return values
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values
