"""A real AGILab install shared by every test run on this machine (and by the bench script).

``agilab[examples]==2026.10.13`` plus ``uv`` go into a venv of a Python >= 3.12 under
``$XDG_CACHE_HOME/agilab-tui-tests/agilab-2026.10.13/`` (default ``~/.cache``). A file lock makes
parallel sessions (xdist, CI jobs on one runner) build it once; a ``ready.json`` stamp marks it done.
Each test session then uses its own scratch ``HOME`` for AGILab's runs, since AGILab writes there.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

AGILAB_VERSION = "2026.10.13"
REQUIREMENT = f"agilab[examples]=={AGILAB_VERSION}"
REPO_ROOT = Path(__file__).resolve().parents[2]


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "agilab-tui-tests" / f"agilab-{AGILAB_VERSION}"


def _version_of(python: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                             text=True, timeout=30, check=True).stdout.split()
        return tuple(int(p) for p in out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def find_base_python() -> str | None:
    """A Python 3.12-3.14 to build the venv from: $AGILAB_TEST_BASE_PYTHON, pyenv's versions, then PATH."""
    candidates = [os.environ.get("AGILAB_TEST_BASE_PYTHON", "")]
    for root in (os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")):
        if root:
            for minor in ("13", "12", "14"):
                candidates += sorted(glob.glob(f"{root}/versions/3.{minor}.*/bin/python3.{minor}"), reverse=True)
    candidates += [shutil.which(f"python3.{m}") or "" for m in ("13", "12", "14")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            version = _version_of(candidate)
            if version and (3, 12) <= version < (3, 15):
                return candidate
    return None


def venv_python(root: Path | None = None) -> Path:
    return (root or cache_root()) / "venv" / "bin" / "python"


def ensure_install(log=print) -> Path:
    """The AGILab venv's Python, building it (once, under a lock) when missing.

    Raises:
        RuntimeError: no suitable Python, or the install failed (the message has pip's last lines).
    """
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / "ready.json"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and venv_python(root).exists():
            return venv_python(root)
        base = find_base_python()
        if base is None:
            raise RuntimeError("no Python >= 3.12 found (pyenv versions, python3.12/3.13 on PATH)")
        started = time.perf_counter()
        shutil.rmtree(root / "venv", ignore_errors=True)
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        log(f"installing {REQUIREMENT} + uv into {root / 'venv'} from {base}")
        subprocess.run([base, "-m", "venv", str(root / "venv")], check=True)
        done = subprocess.run([str(venv_python(root)), "-m", "pip", "install", "-q", REQUIREMENT, "uv"],
                              capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"pip install {REQUIREMENT} failed:\n{tail}")
        stamp.write_text(json.dumps({"base_python": base, "seconds": round(time.perf_counter() - started, 1),
                                     "requirement": REQUIREMENT}))
        return venv_python(root)


def base_bin(python: Path) -> str:
    cfg = python.parent.parent / "pyvenv.cfg"
    for line in cfg.read_text().splitlines():
        if line.startswith("home"):
            return line.partition("=")[2].strip()
    return str(python.parent)


def prepare_home(home: Path, python: Path) -> Path:
    """A scratch HOME as AGILab wants it: AGI_PYTHON_VERSION in ~/.agilab/.env, the cluster share."""
    version = subprocess.run([str(python), "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (home / ".agilab").mkdir(parents=True, exist_ok=True)
    env_file = home / ".agilab" / ".env"
    if not env_file.exists():
        env_file.write_text(f"AGI_PYTHON_VERSION={version}\n")
    (home / "clustershare" / "user").mkdir(parents=True, exist_ok=True)
    return home


def agilab_env(home: Path, python: Path, workspace: Path) -> dict[str, str]:
    """The environment of an ``agilab-tui`` command driving AGILab apps."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(HOME=str(home), AGILAB_PYTHON=str(python), AGILAB_TUI_HOME=str(workspace),
               UV_PYTHON_DOWNLOADS="never", PYTHONPATH=str(REPO_ROOT))
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env,
                          cwd=str(REPO_ROOT), timeout=timeout, check=False)


def processes_under(home: Path) -> list[str]:
    """Command lines of live processes that mention ``home`` (AGILab's uv, Dask scheduler, workers)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            line = " ".join(proc.info["cmdline"] or [])
        except (psutil.Error, TypeError):
            continue
        if str(home) in line and proc.pid != os.getpid():
            found.append(f"{proc.pid}: {line[:200]}")
    return found


def processes_left(home: Path, wait: float, keep: Callable[[str], bool] = lambda line: True) -> list[str]:
    """:func:`processes_under` ``home`` (those ``keep`` selects), polled until none is left or ``wait`` s passed."""
    deadline = time.monotonic() + wait
    while True:
        left = [line for line in processes_under(home) if keep(line)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)
