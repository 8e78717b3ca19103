"""Bytecode of the engine's own environments (worker, manager) is written by the imports that need it.

Compiling every module at install (``uv pip install --compile-bytecode``, ``compileall``) cost more than
half of a warm-cache install (~3,300 files, most never imported by a run). Left to Python, a child
writes the bytecode of what it imports on first use, and later runs read it. But the environment
here may forbid that (``PYTHONDONTWRITEBYTECODE``, as sandboxes and CI set), and then every run
would recompile pandas & co. So the environment's own ``site-packages`` gets a ``.pth`` line that lets
its interpreter write bytecode again: whoever starts it (import preflight, runner, Dask scheduler and
workers, manager server) and whatever clears its environment. The folders are the engine's (sources
are staged copies); a ``.pyc`` moved with its folder still names the new path in tracebacks
(the import system rewrites ``co_filename``), so the worker env may be built aside and swapped in.
"""

from __future__ import annotations

PTH_NAME = "agilab_bytecode.pth"
PTH_LINE = "import sys; sys.dont_write_bytecode = False\n"


def write_pth_statement() -> str:
    """Python statements (for a ``python -c`` run by the environment's interpreter) writing the ``.pth``."""
    return (f"import sysconfig; open(sysconfig.get_path('purelib')+'/{PTH_NAME}','w').write({PTH_LINE!r})")


# What runs import besides the worker itself: the preflight imports these too, so their bytecode (~700
# files for pandas, numpy, pyarrow, dask, distributed, tornado) is written at install and the first run
# after it is not the one paying for it. They are the runtime's own dependencies (install.RUNTIME_DEPENDENCIES).
RUN_IMPORTS = ("pandas", "pyarrow")
DASK_IMPORTS = ("distributed.cli.dask_scheduler", "distributed.cli.dask_worker")


def warm_imports(modes_enabled: int) -> list[str]:
    """Modules the import preflight imports for the runs of ``modes_enabled`` (Dask ones with the Dask bit)."""
    from .modes import DASK_MODE

    return [*RUN_IMPORTS, *(DASK_IMPORTS if modes_enabled & DASK_MODE else ())]
