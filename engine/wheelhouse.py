"""Wheels for a host that cannot reach any index (air-gapped compute nodes).

This machine resolves the worker requirements for the host's Python and platform (``uv pip
compile``), downloads the wheels into a local wheelhouse (``pip download --only-binary``), copies
the missing ones to the host over SFTP, and the host installs offline from them
(``uv pip install --offline --no-index --find-links``). Wheels already in the wheelhouse or on the
host are not fetched or sent again.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from .errors import InstallError
from .operation import OperationContext
from .proc import INSTALLER_KEEP, ChildProcess, clean_child_env
from .remote_host_prep import HostPython

_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def platform_tags(python: HostPython) -> list[str]:
    """pip ``--platform`` values the host accepts, newest first (pip does not expand manylinux itself)."""
    arch = python.machine or "x86_64"
    major, minor = python.glibc or (2, 17)
    tags = [f"manylinux_{major}_{m}_{arch}" for m in range(minor, 4, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags += [f"{name}_{arch}" for m, name in legacy.items() if m <= minor]
    return tags


def uv_platform(python: HostPython) -> str:
    """uv's ``--python-platform`` target for the host (manylinux capped at what uv knows)."""
    arch = python.machine or "x86_64"
    major, minor = python.glibc or (2, 17)
    return f"{arch}-manylinux_{major}_{min(minor, 40)}"


def pinned(requirements: str) -> list[tuple[str, str]]:
    """(name, version) of every ``name==version`` line of a compiled requirements file."""
    out = []
    for line in requirements.splitlines():
        match = _PIN.match(line.strip())
        if match:
            out.append((_norm(match.group(1)), match.group(2)))
    return out


def missing_wheels(folder: Path, requirements: str) -> list[str]:
    """Pins of ``requirements`` with no wheel in ``folder`` yet."""
    have = {tuple(_norm(p) for p in w.name.split("-")[:2]) for w in folder.glob("*.whl")}
    return [f"{n}=={v}" for n, v in pinned(requirements) if (n, _norm(v)) not in have]


async def _run(ctx: OperationContext, argv: list[str], label: str) -> None:
    await ctx.log("$ " + " ".join(shlex.quote(a) for a in argv), "engine")
    child = ChildProcess(argv, env=clean_child_env(keep=INSTALLER_KEEP))
    await child.start()
    lines: list[str] = []

    async def sink(_source: str, line: str) -> None:
        if "is ignored: it is neither a file nor a directory" in line:
            return  # pip's noise about this machine's file:// indexes, not about the wheels
        lines.append(line)
        await ctx.log(line, "engine")

    if await child.stream(sink) != 0:
        raise InstallError(f"wheelhouse: {label} failed on this machine: {(lines or ['no output'])[-1]}")


async def build_wheelhouse(ctx: OperationContext, root: Path, requirements: list[str], python: HostPython,
                           uv: str) -> tuple[Path, Path]:
    """Resolve and download wheels for ``python``'s version and platform; return (folder, requirements file)."""
    folder = root / f"cp{python.version[0]}{python.version[1]}-{uv_platform(python)}"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = "\n".join(requirements) + "\n"
    key = hashlib.sha256(wanted.encode()).hexdigest()[:16]
    source = folder / f"requirements-{key}.in"
    compiled = folder / f"requirements-{key}.txt"
    if not compiled.exists():
        source.write_text(wanted, "utf-8")
        await _run(ctx, [uv, "pip", "compile", str(source), "--quiet", "--python-version", python.tag,
                         "--python-platform", uv_platform(python), "-o", str(compiled)], "resolving the requirements")
    text = compiled.read_text("utf-8")
    missing = missing_wheels(folder, text)
    if missing:
        await ctx.log(f"wheelhouse: downloading {len(missing)} wheel(s) for Python {python.tag} "
                      f"{uv_platform(python)} into {folder}", "engine")
        argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                "--python-version", python.tag, "--implementation", "cp", "-d", str(folder), *missing]
        for tag in platform_tags(python):
            argv[argv.index("-d"):argv.index("-d")] = ["--platform", tag]
        await _run(ctx, argv, "downloading wheels (pip is needed on this machine for that)")
        still = missing_wheels(folder, text)
        if still:
            raise InstallError(f"wheelhouse: no wheel for {', '.join(still)} (Python {python.tag}, "
                               f"{uv_platform(python)}): such packages cannot be installed offline")
    else:
        await ctx.log(f"wheelhouse: all {len(pinned(text))} wheel(s) already in {folder}", "engine")
    return folder, compiled


async def push_wheels(host: Any, folder: Path, compiled: Path, remote: str) -> tuple[int, int]:
    """Copy the wheels of ``compiled`` the host lacks (by name and size); return (sent, already there)."""
    import asyncssh

    wanted = {(n, _norm(v)) for n, v in pinned(compiled.read_text("utf-8"))}
    wheels = [w for w in sorted(folder.glob("*.whl")) if tuple(_norm(p) for p in w.name.split("-")[:2]) in wanted]
    sent = kept = 0
    try:
        async with host.conn.start_sftp_client() as sftp:
            await sftp.makedirs(remote, exist_ok=True)
            present: dict[str, int] = {}
            for entry in await sftp.readdir(remote):
                if entry.attrs.size is not None:
                    present[entry.filename] = entry.attrs.size
            for wheel in wheels:
                if present.get(wheel.name) == wheel.stat().st_size:
                    kept += 1
                    continue
                await sftp.put(str(wheel), f"{remote}/{wheel.name}.partial")
                await sftp.posix_rename(f"{remote}/{wheel.name}.partial", f"{remote}/{wheel.name}")
                sent += 1
            await sftp.put(str(compiled), f"{remote}/requirements.txt")
    except (asyncssh.Error, OSError) as exc:
        raise InstallError(f"{host.label}: pushing wheels to {remote} failed: {exc}") from exc
    return sent, kept
