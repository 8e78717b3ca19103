"""Remote install: the same worker environment as the local one, built on each worker host over SSH.

Hosts are installed concurrently; one failing host (unreachable, refused key, failed step) fails with
its own reason while the others go on, and the install as a whole is then reported failed. Nothing
needs internet on the hosts: uv is shipped when missing, and packages come from uv's cache
(``--offline``) before the index is tried.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import InstallError
from .install import worker_dependencies
from .modes import CYTHON_MODE
from .operation import OperationContext
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
    steps_done: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "status": self.status, "step": self.step, "reason": self.reason,
                "seconds": self.seconds, "wenv": self.wenv}


def remote_root(cluster: ClusterSettings, host: str) -> str:
    from workers.plan import host_name

    return cluster.remote_root.replace("{host}", host_name(host))


def remote_wenv(root_dir: str, app: AppProject) -> str:
    return f"{root_dir.rstrip('/')}/wenv/{app.target}_worker"


_SKIP = {"__pycache__", "build", ".venv"}


async def _put_files(host: Any, pairs: list[tuple[str, str]]) -> None:
    """SFTP-copy files, creating remote folders; compiled leftovers are never shipped."""
    import asyncssh

    try:
        async with host.conn.start_sftp_client() as sftp:
            for local, remote in pairs:
                await sftp.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
                await sftp.put(local, remote, preserve=True)
    except (asyncssh.Error, OSError) as exc:
        raise InstallError(f"{host.label}: shipping files failed: {exc}") from exc


def _tree_pairs(source: Any, remote: str) -> list[tuple[str, str]]:
    pairs = []
    for path in sorted(source.rglob("*")):
        parts = path.relative_to(source).parts
        if path.is_file() and not _SKIP.intersection(parts) and path.suffix not in (".so", ".pyc", ".c"):
            pairs.append((str(path), f"{remote}/{'/'.join(parts)}"))
    return pairs


async def _expand_home(host: Any, path: str) -> str:
    if not path.startswith("~"):
        return path
    result = await host.run("printf %s \"$HOME\"", check=True, timeout=30)
    return result.stdout.strip() + path[1:]


async def install_host(ctx: OperationContext, host: Any, app: AppProject, cluster: ClusterSettings,
                       modes_enabled: int, record: HostInstall) -> None:
    """Ship, create the venv with uv, install, build Cython, preflight: every line prefixed by the host."""
    started = time.perf_counter()
    label = host.label

    async def sink(_host: str, line: str) -> None:
        await ctx.log(line, label)

    async def step(name: str, command: str) -> None:
        record.step = name
        await ctx.log(f"$ {command}", label)
        code = await asyncio.wait_for(host.stream(command, sink), STEP_TIMEOUT)
        if code != 0:
            raise InstallError(f"{label}: step '{name}' failed with exit code {code}")
        record.steps_done.append(name)

    root = await _expand_home(host, remote_root(cluster, label))
    wenv = remote_wenv(root, app)
    record.wenv = wenv
    python = f"{wenv}/.venv/bin/python"
    q = shlex.quote
    record.step = "uv"
    # A uv that answers --version, not just a name on PATH (a pyenv shim without pyenv fails with 127).
    probe = await host.run(f"for c in {q(root)}/bin/uv uv; do \"$c\" --version >/dev/null 2>&1 && "
                           "{ command -v \"$c\"; break; }; done; true", timeout=30)
    uv = (probe.stdout.strip().splitlines() or [""])[-1]
    if not uv:
        from uv import find_uv_bin

        await ctx.log("uv not found on the host: shipping it", label)
        await _put_files(host, [(find_uv_bin(), f"{root}/bin/uv")])
        await host.run(f"chmod +x {q(root)}/bin/uv", check=True, timeout=30)
        uv = f"{root}/bin/uv"
    record.step = "ship sources"
    await host.run(f"rm -rf {q(wenv)}/src && mkdir -p {q(wenv)}/src", check=True, timeout=60)
    for source, name in ((REPO_ROOT / "workers", "workers"), (app.worker_dir, app.worker_package)):
        pairs = _tree_pairs(source, f"{wenv}/src/{name}")
        await _put_files(host, pairs)
        await ctx.log(f"shipped {len(pairs)} file(s) of {name}", label)
    env = "UV_PYTHON_DOWNLOADS=never"
    await step("create venv", f"test -x {q(python)} || {env} {q(uv)} venv --python {q(cluster.remote_python)} {q(wenv)}/.venv")
    deps = " ".join(q(d) for d in worker_dependencies(app))
    install = f"{env} {q(uv)} pip install --compile-bytecode --python {q(python)}"
    await step("install dependencies", f"{install} --offline {deps} || {install} {deps}")
    await step("compile sources", f"{q(python)} -m compileall -q {q(wenv)}/src")
    link = ("import sysconfig,sys; p=sysconfig.get_path('purelib'); "
            "open(p+'/agilab_worker_src.pth','w').write(sys.argv[1]+chr(10))")
    await step("link sources", f"{q(python)} -c {q(link)} {q(wenv)}/src")
    imports = ["workers.runner", f"{app.worker_package}.{app.worker_package}"]
    if modes_enabled & CYTHON_MODE:
        await step("cython build", f"cd {q(wenv)} && {q(python)} -m workers.cython_build --package-dir "
                                   f"{q(wenv)}/src/{app.worker_package} --module {app.worker_package} --out {q(wenv)}/src")
        imports.append(f"{app.worker_package}_cy")
    check = "import importlib,sys\nfor m in sys.argv[1:]: importlib.import_module(m); print('preflight ok:', m)"
    await step("import preflight", f"cd {q(wenv)} && {q(python)} -c {q(check)} " + " ".join(imports))
    record.status = "ok"
    record.step = "installed"
    record.seconds = round(time.perf_counter() - started, 3)


async def install_remote_hosts(ctx: OperationContext, workspace: Workspace, app: AppProject,
                               cluster: ClusterSettings, hosts: list[str], modes_enabled: int) -> dict[str, Any]:
    """Install on every host concurrently; raise InstallError naming each failed host after all finished."""
    from .ssh import SSHPool, pool_options

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
            try:
                await install_host(ctx, pool[host], app, cluster, modes_enabled, record)
                await ctx.log("installed", host)
            except Exception as exc:  # each host fails on its own; the others go on
                record.status = "failed"
                record.reason = str(exc)
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
