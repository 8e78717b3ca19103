"""The generated stage runner and the choice of interpreter a stage runs with.

The runner is plain stdlib + pandas source passed to ``python -c`` so that it works in any
venv, including one that has never heard of this project.  It binds ``df`` to the previous
``lab_out.csv``, executes the snippet as ``__main__``, then writes a global ``df`` that is a
DataFrame back to ``lab_out.csv`` through a temporary file and an atomic rename.  A snippet
that raises leaves the previous ``lab_out.csv`` untouched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import AgilabError
from ..workspace import REPO_ROOT

SHIMS_DIR = Path(__file__).resolve().parent / "shims"
"""``agilab.tracking`` for stages that use AGILab's tracker; on the stage's path only."""
DATAFRAME_FILE = "lab_out.csv"
SNIPPET_FILE = "lab_snippet.py"

RUNNER_SOURCE = r'''
import os, sys, traceback
def _agilab_run_stage(snippet_path, out_path, extra_path=""):
    for entry in extra_path.split(os.pathsep) if extra_path else ():
        # Appended, never prepended: the stage's own packages (a real agilab included) always win.
        if entry and entry not in sys.path:
            sys.path.append(entry)
    try:
        import pandas as pd
    except ImportError:
        pd = None
    namespace = {"__name__": "__main__", "__file__": snippet_path, "__builtins__": __builtins__}
    if os.path.exists(out_path):
        if pd is None:
            print("agilab: pandas is not installed in this environment; df is not loaded", file=sys.stderr)
        else:
            namespace["df"] = pd.read_csv(out_path)
    with open(snippet_path, encoding="utf-8") as handle:
        code = compile(handle.read(), snippet_path, "exec")
    sys.argv = [snippet_path]
    try:
        exec(code, namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise
    except BaseException as exc:
        # Drop this runner's own frame so the traceback starts in the user's snippet.
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        sys.stderr.flush()
        sys.exit(1)
    df = namespace.get("df")
    if pd is not None and isinstance(df, pd.DataFrame):
        tmp_path = "%s.%d.tmp" % (out_path, os.getpid())
        try:
            df.to_csv(tmp_path, index=False)
            os.replace(tmp_path, out_path)
        finally:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
        print("agilab: wrote %d rows x %d columns to %s" % (df.shape[0], df.shape[1], out_path))
if __name__ == "__main__":
    _agilab_run_stage(*sys.argv[1:])
'''.lstrip()
"""Source of the runner; run as ``python -c RUNNER_SOURCE SNIPPET OUT_CSV [EXTRA_SYS_PATH]``."""


def runner_argv(python: str | Path, snippet: Path, out_csv: Path) -> list[str]:
    """The command line that runs ``snippet`` with the df-in/df-out contract."""
    extra = os.pathsep.join([str(REPO_ROOT), str(SHIMS_DIR)])
    return [str(python), "-c", RUNNER_SOURCE, str(snippet), str(out_csv), extra]


def resolve_python(env_path: str | None, *, base_dir: Path | None = None) -> str:
    """The interpreter for a stage's ``E`` value: ours when empty, else the venv's python.

    Args:
        env_path: a venv folder (``bin/python``), a project folder (``.venv/bin/python``) or a
            python executable; empty or None selects the product environment.
        base_dir: folder that relative paths are resolved against.

    Returns:
        Path of the python executable.

    Raises:
        AgilabError: the path holds no usable interpreter; the message names the path.
    """
    text = (env_path or "").strip()
    if not text:
        return sys.executable
    path = Path(text).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    candidates = [path / "bin" / "python", path / ".venv" / "bin" / "python"]
    if path.is_file():
        candidates.insert(0, path)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    if not path.exists():
        raise AgilabError(f"execution environment {path} does not exist")
    raise AgilabError(
        f"execution environment {path} has no python interpreter (looked for bin/python and .venv/bin/python)")


def runtime_label(stage: Mapping[str, Any]) -> str:
    """What MLflow and the UI show as a stage's runtime: its ``E`` path or ``default``."""
    return str(stage.get("E") or "").strip() or "default"


def engine_label(stage: Mapping[str, Any]) -> str:
    """The stage's ``R`` engine, defaulting to AGILab's ``runpy``."""
    return str(stage.get("R") or "").strip() or "runpy"
