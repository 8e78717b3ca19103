"""Remote install: the same worker environment as the local one, built on each worker host over SSH.

Hosts are installed concurrently; one failing host (unreachable, refused key, no suitable Python,
disk full, failed step) fails with its own reason while the others go on, and the install as a whole
is then reported failed. A host needs nothing of ours beforehand: uv is shipped (sha256 checked),
a Python of the controller's minor version is picked on the host, and packages come from the host's
uv cache, else from the index (reached with the TLS trust, proxies and index URLs of
``[cluster.index]``), else, when the host cannot reach any index, from wheels pushed from here.
A second install only sends what changed.
"""

from __future__ import annotations

import asyncio
import collections
import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import remote_env_swap
from .errors import InstallError
from .index_access import IndexAccess, index_settings, redact, resolve_index_access
from .install import worker_dependencies, worker_env
from .lazy_bytecode import warm_imports, write_pth_statement
from .modes import CYTHON_MODE
from .operation import OperationContext
from .remote_host_prep import (
    check_disk,
    choose_python,
    disk_note,
    ensure_uv,
    index_reachable,
    ship_index_access,
    tree_mb,
)
from .settings import ClusterSettings
from .workspace import REPO_ROOT, AppProject, Workspace

STEP_TIMEOUT = 900.0


@dataclass
class HostInstall:
    """Per-host outcome shown in the ORCHESTRATE host table."""

    host: str
    status: str = "pending"
    step: str = ""
    reason: str = ""
    seconds: float = 0.0
    wenv: str = ""
    python: str = ""
    packages_from: str = ""
    """``cache``, ``index`` or ``wheels pushed`` (air-gapped)."""
    files_sent: int = 0
    steps_done: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "status": self.status, "step": self.step, "reason": self.reason,
                "seconds": self.seconds, "wenv": self.wenv, "python": self.python,
                "packages_from": self.packages_from, "files_sent": self.files_sent}


@dataclass
class InstallPlan:
    """What every host gets, worked out once on this machine."""

    app: AppProject
    cluster: ClusterSettings
    modes_enabled: int
    access: IndexAccess
    need_mb: int
    wheelhouse_root: Path
    wheel_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def remote_root(cluster: ClusterSettings, host: str) -> str:
    from workers.plan import host_name

    return cluster.remote_root.replace("{host}", host_name(host))


def remote_wenv(root_dir: str, app: AppProject) -> str:
    return f"{root_dir.rstrip('/')}/wenv/{app.target}_worker"


_SKIP = {"__pycache__", "build", ".venv"}
q = shlex.quote


def _tree_files(source: Path) -> dict[str, Path]:
    """Relative path -> file of a source tree, compiled leftovers excluded."""
    files = {}
    for path in sorted(source.rglob("*")):
        parts = path.relative_to(source).parts
        if path.is_file() and not _SKIP.intersection(parts) and path.suffix not in (".so", ".pyc", ".c"):
            files["/".join(parts)] = path
    return files


async def sync_tree(host: Any, source: Path, remote: str) -> int:
    """Make ``remote`` hold exactly ``source``'s files, sending only those whose size or mtime differ."""
    import asyncssh

    listing = await host.run(f"mkdir -p {q(remote)} && cd {q(remote)} && find . -type f -not -path '*/__pycache__/*' "
                             "-printf '%P\\t%s\\t%T@\\n'", timeout=120)
    present: dict[str, tuple[int, int]] = {}
    for line in listing.stdout.splitlines():
        name, _, rest = line.partition("\t")
        size, _, mtime = rest.partition("\t")
        if size.isdigit():
            present[name] = (int(size), int(float(mtime or 0)))
    files = _tree_files(source)
    sent = 0
    try:
        async with host.conn.start_sftp_client() as sftp:
            for rel, path in files.items():
                stat = path.stat()
                if present.get(rel) == (stat.st_size, int(stat.st_mtime)):
                    continue
                target = f"{remote}/{rel}"
                await sftp.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
                await sftp.put(str(path), target, preserve=True)
                sent += 1
    except (asyncssh.Error, OSError) as exc:
        raise InstallError(f"{host.label}: shipping {source.name} to {remote} failed: {exc}") from exc
    stale = [rel for rel in present if rel not in files]
    if stale:
        await host.run(f"cd {q(remote)} && rm -f " + " ".join(q(r) for r in stale), timeout=120)
    return sent


_TELLING = re.compile(r"(?i)\b(error|cause[sd]?|caused by|failed|denied|no space|not found)\b")


def telling_line(lines: Any) -> str:
    """The last line that says what went wrong (uv ends with hints after its cause), else the last line."""
    items = list(lines)
    return next((line for line in reversed(items) if _TELLING.search(line)), items[-1] if items else "")


async def _expand_home(host: Any, path: str) -> str:
    if not path.startswith("~"):
        return path
    result = await host.run("printf %s \"$HOME\"", check=True, timeout=30)
    return result.stdout.strip() + path[1:]


async def install_host(ctx: OperationContext, host: Any, plan: InstallPlan, record: HostInstall) -> None:
    """Disk, Python, uv, sources, index access, venv, packages, bytecode, Cython, preflight, swap: each line tagged by host.

    Everything from the sources on is built in ``<wenv>/.building-<host>`` and swapped in only after the import
    preflight passed there (:mod:`engine.remote_env_swap`): a reinstall that fails on the host, or whose
    connection is lost, leaves the previous env in place and usable.
    """
    started = time.perf_counter()
    label = host.label
    app, cluster = plan.app, plan.cluster

    async def log(line: str) -> None:
        await ctx.log(line, label)

    tail: collections.deque[str] = collections.deque(maxlen=8)

    async def sink(_host: str, line: str) -> None:
        if line.strip():
            tail.append(line.strip())
        await ctx.log(line, label)

    async def step(name: str, command: str, shown: str | None = None) -> None:
        record.step = name
        tail.clear()
        await ctx.log(f"$ {shown or command}", label)
        code = await asyncio.wait_for(host.stream(command, sink), STEP_TIMEOUT)
        if code != 0:
            # The host's own last words (e.g. uv's "invalid peer certificate: UnknownIssuer") are the reason.
            said = f": {redact(telling_line(tail))[:300]}" if tail else ""
            raise InstallError(f"{label}: step '{name}' failed with exit code {code}{said}{await disk_note(host, root)}")
        record.steps_done.append(name)

    record.step = "home"
    root = await _expand_home(host, remote_root(cluster, label))
    wenv = remote_wenv(root, app)
    record.wenv = wenv
    python = f"{wenv}/.venv/bin/python"
    record.step = "recover"
    restored = await remote_env_swap.recover(host, wenv)
    if restored:
        await log(f"restored the previous {', '.join(restored)} of {wenv} (an earlier swap was interrupted)")
    record.step = "disk"
    fresh = (await host.run(f"test -x {q(python)}", timeout=30)).exit_status != 0
    await check_disk(host, root, plan.need_mb if fresh else 64)
    record.step = "python"
    base = await choose_python(host, cluster.remote_python)
    record.python = f"{base.path} ({base.tag})"
    await log(f"python: {base.path} (Python {base.tag}, {base.machine}, glibc "
              f"{'.'.join(map(str, base.glibc)) if base.glibc else 'unknown'})")
    record.step = "uv"
    try:
        uv = await ensure_uv(host, root, log)
        record.step = "build folder"
        build = await remote_env_swap.prepare(host, wenv)
    except InstallError as exc:
        raise InstallError(f"{exc}{await disk_note(host, root)}") from exc
    swapped = False
    try:
        await _build_aside(ctx, host, plan, record, base, uv, root, wenv, build, step, log)
        record.step = "swap in"
        await remote_env_swap.swap_in(host, wenv)
        swapped = True
        record.steps_done.append("swap in")
    finally:
        if not swapped:
            await remote_env_swap.discard(host, wenv)
    record.status = "ok"
    record.step = "installed"
    record.seconds = round(time.perf_counter() - started, 3)


async def _build_aside(ctx: OperationContext, host: Any, plan: InstallPlan, record: HostInstall, base: Any, uv: str,
                       root: str, wenv: str, build: str, step: Any, log: Any) -> None:
    """Sources, index access, venv, packages, bytecode, Cython and preflight, all inside the build folder."""
    app = plan.app
    python = f"{build}/.venv/bin/python"
    try:
        record.step = "ship sources"
        for source, name in ((REPO_ROOT / "workers", "workers"), (app.worker_dir, app.worker_package)):
            sent = await sync_tree(host, source, f"{build}/src/{name}")
            record.files_sent += sent
            await log(f"{name}: {sent} changed file(s) sent")
        record.step = "index access"
        env_file = await ship_index_access(host, root, plan.access, log)
    except InstallError as exc:
        raise InstallError(f"{exc}{await disk_note(host, root)}") from exc
    prefix = f". {q(env_file)} && UV_PYTHON_DOWNLOADS=never"
    # Relocatable, and the source link below is relative: the venv is renamed into place after the preflight.
    await step("create venv", f"{prefix} {q(uv)} venv --relocatable --python {q(base.path)} {q(build)}/.venv")
    deps = worker_dependencies(app)
    # No --compile-bytecode: every reinstall gets a fresh venv, and compiling all of it cost ~5 s a host. As
    # for the local env (engine/lazy_bytecode.py), the preflight writes the bytecode of what runs import.
    install = f"{prefix} {q(uv)} pip install --python {q(python)}"
    record.step = "install dependencies"
    cached = await host.run(f"{install} --offline --quiet {' '.join(q(d) for d in deps)}", timeout=STEP_TIMEOUT)
    if cached.exit_status == 0:
        record.packages_from = "cache"
        await log("dependencies: satisfied from the host's environment and uv cache (offline)")
        record.steps_done.append("install dependencies")
    else:
        await install_packages(ctx, host, plan, record, base, uv, install, deps, env_file, root, step, log)
    reused = await remote_env_swap.reuse_bytecode(host, wenv, base.tag)
    if reused:
        await log(reused)
    await step("compile sources", f"{q(python)} -m compileall -q {q(build)}/src")
    link = ("import os,sysconfig,sys; p=sysconfig.get_path('purelib'); "
            "open(p+'/agilab_worker_src.pth','w').write(os.path.relpath(sys.argv[1], p)+chr(10)); "
            + write_pth_statement())
    await step("link sources", f"{q(python)} -c {q(link)} {q(build)}/src")
    imports = ["workers.runner", f"{app.worker_package}.{app.worker_package}"]
    if plan.modes_enabled & CYTHON_MODE:
        record.step = "cython build"
        await check_build_tools(host, python)
        await step("cython build", f"cd {q(build)} && {q(python)} -m workers.cython_build --package-dir "
                                   f"{q(build)}/src/{app.worker_package} --module {app.worker_package} --out {q(build)}/src")
        imports.append(f"{app.worker_package}_cy")
    imports += warm_imports(plan.modes_enabled)  # and writes their bytecode (engine/lazy_bytecode.py)
    check = "import importlib,sys\nfor m in sys.argv[1:]: importlib.import_module(m); print('preflight ok:', m)"
    await step("import preflight", f"cd {q(build)} && {q(python)} -c {q(check)} " + " ".join(imports))


async def install_packages(ctx: OperationContext, host: Any, plan: InstallPlan, record: HostInstall, base: Any,
                           uv: str, install: str, deps: list[str], env_file: str, root: str, step: Any,
                           log: Any) -> None:
    """From the index when the host reaches it, else (``wheels`` auto/always) from wheels pushed from here."""
    access = plan.access
    use_wheels = access.wheels == "always"
    if not use_wheels:
        ok, why = await index_reachable(host, base.path, env_file, access.probe_url())
        if not ok:
            where = redact(access.probe_url())
            if access.wheels == "never":
                raise InstallError(f"{host.label}: cannot reach the package index {where} ({why}); fix "
                                   "[cluster.index] (url, proxies, ca_file) or set wheels = 'auto' to push wheels")
            await log(f"index {where} unreachable from the host ({why}): pushing wheels from this machine")
            use_wheels = True
    if not use_wheels:
        record.packages_from = "index"
        await step("install dependencies", f"{install} {' '.join(q(d) for d in deps)}")
        return
    from .install import _uv
    from .wheelhouse import build_wheelhouse, push_wheels

    record.step = "wheelhouse"
    async with plan.wheel_lock:  # hosts of the same platform share one download
        folder, compiled = await build_wheelhouse(ctx, plan.wheelhouse_root, deps, base, _uv())
    record.step = "push wheels"
    try:
        sent, kept = await push_wheels(host, folder, compiled, f"{root}/wheelhouse")
    except InstallError as exc:
        raise InstallError(f"{exc}{await disk_note(host, root)}") from exc
    await log(f"wheels: {sent} sent over SFTP, {kept} already on the host")
    record.packages_from = "wheels pushed"
    await step("install dependencies", f"{install} --offline --no-index --find-links {q(root)}/wheelhouse "
                                       f"-r {q(root)}/wheelhouse/requirements.txt")


async def check_build_tools(host: Any, python: str) -> None:
    """The Cython build needs a C compiler and the Python headers on the host: say which is missing."""
    probe = ("import os,shutil,sys,sysconfig; cc=(os.environ.get('CC') or sysconfig.get_config_var('CC') or 'cc').split()[0]; "
             "c=[p for p in (cc,'cc','gcc','clang') if shutil.which(p)]; "
             "h=os.path.exists(os.path.join(sysconfig.get_paths()['include'],'Python.h')); "
             "print('cc' if c else 'nocc', 'h' if h else 'noh', '%d.%d' % sys.version_info[:2])")
    result = await host.run(f"{q(python)} -c {q(probe)}", timeout=60)
    words = result.stdout.split()
    if "nocc" in words:
        raise InstallError(f"{host.label}: the cython mode needs a C compiler on the host and none was found "
                           "(tried $CC, cc, gcc, clang): install gcc there (apt-get install gcc)")
    if "noh" in words:
        version = words[-1] if words else "3"
        raise InstallError(f"{host.label}: the cython mode needs the Python {version} headers (Python.h) on the "
                           f"host: install them there (apt-get install python{version}-dev)")


async def install_remote_hosts(ctx: OperationContext, workspace: Workspace, app: AppProject,
                               cluster: ClusterSettings, hosts: list[str], modes_enabled: int) -> dict[str, Any]:
    """Install on every host concurrently; raise InstallError naming each failed host after all finished."""
    from .ssh import SSHPool, pool_options

    access = resolve_index_access(index_settings(cluster))
    for note in access.notes:
        await ctx.log(f"index: {note}", "engine")
    for name, value, origin in access.rows():
        await ctx.log(f"index: {name} = {value} ({origin})", "engine")
    local_venv = worker_env(workspace, app).venv
    # The host's env ends up about the size of this one; uv and some slack come on top.
    need_mb = (await asyncio.to_thread(tree_mb, local_venv) if local_venv.is_dir() else 400) + 120
    plan = InstallPlan(app, cluster, modes_enabled, access, need_mb, workspace.root / "wheelhouse")
    records = {h: HostInstall(h) for h in hosts}
    pool = SSHPool(pool_options(workspace, cluster))
    try:
        failures = await pool.connect(hosts)
        for host, error in failures.items():
            record = records.get(host) or records.setdefault(host, HostInstall(host))
            record.status, record.step, record.reason = "failed", "connect", str(error)
            await ctx.log(f"failed: {error}", host)

        async def one(host: str) -> None:
            record = records[host]
            record.status = "running"
            started = time.perf_counter()
            try:
                await install_host(ctx, pool[host], plan, record)
                await ctx.log(f"installed in {record.seconds:.1f} s", host)
            except Exception as exc:  # each host fails on its own; the others go on
                record.status = "failed"
                record.reason = str(exc)
                record.seconds = round(time.perf_counter() - started, 3)
                await ctx.log(f"failed at '{record.step}': {exc}", host)

        await asyncio.gather(*(one(h) for h in hosts if records[h].status != "failed"))
    finally:
        await pool.close()
    table = [r.as_dict() for r in records.values()]
    ctx.result["hosts"] = table
    failed = [r for r in records.values() if r.status != "ok"]
    if failed:
        raise InstallError("install failed on " + "; ".join(f"{r.host} ({r.step}: {r.reason})" for r in failed))
    return {"hosts": table}
