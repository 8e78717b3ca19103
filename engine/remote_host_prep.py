"""Getting a bare worker host ready: free disk, a Python of the right minor version, uv, index access.

A worker host may have nothing of ours: no uv, no venv, no cache, only its system Python. Each
check here fails with an :class:`~engine.errors.InstallError` that says what the host needs.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import InstallError
from .index_access import IndexAccess, env_file_text

q = shlex.quote


@dataclass(frozen=True)
class HostPython:
    """The interpreter chosen on a host, and the platform the host's wheels must match."""

    path: str
    version: tuple[int, int]
    machine: str
    glibc: tuple[int, int] | None

    @property
    def tag(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def wanted_python() -> tuple[int, int]:
    """The minor version of the worker environments here (they are built from this interpreter)."""
    return sys.version_info[0], sys.version_info[1]


_PROBE = ("import sys,platform; v=platform.libc_ver(); "
          "print(sys.version_info[0], sys.version_info[1], platform.machine(), v[0] or '-', v[1] or '-', sys.executable)")


async def choose_python(host: Any, configured: str, wanted: tuple[int, int] | None = None) -> HostPython:
    """The first interpreter on the host whose ``major.minor`` equals the controller's.

    Looks at ``[cluster] remote_python`` first, then ``pythonX.Y`` and ``python3`` on PATH and in
    /usr/bin and /usr/local/bin. Raises naming the version needed and what was found instead.
    """
    wanted = wanted or wanted_python()
    minor = f"python{wanted[0]}.{wanted[1]}"
    candidates: list[str] = []
    for name in (configured, minor, f"/usr/bin/{minor}", f"/usr/local/bin/{minor}", "python3", "/usr/bin/python3"):
        if name and name not in candidates:
            candidates.append(name)
    script = "; ".join(f"echo @@{q(c)}; {q(c)} -c {q(_PROBE)} 2>&1 | head -1" for c in candidates)
    result = await host.run(script, timeout=60)
    found: list[str] = []
    current = ""
    for line in result.stdout.splitlines():
        if line.startswith("@@"):
            current = line[2:]
            continue
        parts = line.split()
        if len(parts) >= 6 and parts[0].isdigit() and parts[1].isdigit():
            version = (int(parts[0]), int(parts[1]))
            glibc = None
            if parts[3] == "glibc" and parts[4].count(".") >= 1:
                major, _, rest = parts[4].partition(".")
                glibc = (int(major), int(rest.split(".")[0]))
            if version == wanted:
                return HostPython(parts[5], version, parts[2], glibc)
            found.append(f"{current} is {version[0]}.{version[1]}")
    seen = "; ".join(found) if found else f"none of {', '.join(candidates)} runs there"
    raise InstallError(
        f"{host.label}: no Python {wanted[0]}.{wanted[1]} on the host (the worker environments here use "
        f"{wanted[0]}.{wanted[1]}; found: {seen}). Install {minor} on the host (Debian/Ubuntu: "
        f"apt-get install {minor}), or set [cluster] remote_python to a {wanted[0]}.{wanted[1]} interpreter")


async def free_mb(host: Any, path: str) -> int | None:
    """Free space in MiB of the filesystem holding ``path`` (or its nearest existing parent)."""
    script = (f"p={q(path)}; while [ ! -e \"$p\" ] && [ \"$p\" != / ]; do p=$(dirname \"$p\"); done; "
              "df -Pk \"$p\" | awk 'NR==2{print $4}'")
    result = await host.run(script, timeout=30)
    text = result.stdout.strip()
    return int(text) // 1024 if text.isdigit() else None


async def check_disk(host: Any, root: str, need_mb: int) -> None:
    """Refuse to start when the host's filesystem under ``root`` is short of ``need_mb`` MiB."""
    free = await free_mb(host, root)
    if free is not None and free < need_mb:
        raise InstallError(f"{host.label}: not enough disk space under {root}: {free} MiB free, the worker "
                           f"environment needs about {need_mb} MiB (free some space or set [cluster] remote_root "
                           "to a larger filesystem)")


async def disk_note(host: Any, root: str) -> str:
    """`` (disk full: N MiB free under ROOT)`` when the host ran out of space, else ``''``."""
    try:
        free = await free_mb(host, root)
    except Exception:  # the note is a hint on top of a failure already reported
        return ""
    return f" (disk full: {free} MiB free under {root})" if free is not None and free < 8 else ""


def tree_mb(path: Path) -> int:
    """Size in MiB of a folder tree (symlinks not followed)."""
    total = 0
    for item in path.rglob("*"):
        try:
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
        except OSError:
            continue
    return total // (1024 * 1024)


@lru_cache(maxsize=4)
def file_sha256(path: str, mtime: float) -> str:
    del mtime  # part of the cache key only: a replaced uv binary is hashed again
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_uv() -> tuple[str, str]:
    """This machine's uv binary and its sha256."""
    from uv import find_uv_bin

    path = find_uv_bin()
    return path, file_sha256(path, Path(path).stat().st_mtime)


async def remote_sha256(host: Any, path: str) -> str:
    result = await host.run(f"sha256sum {q(path)} 2>/dev/null | cut -d' ' -f1", timeout=120)
    return result.stdout.strip()


async def put_file(host: Any, local: str, remote: str) -> None:
    """SFTP one file, creating its folder; an SFTP error names the host and the cause."""
    import asyncssh

    try:
        async with host.conn.start_sftp_client() as sftp:
            await sftp.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
            await sftp.put(local, remote, preserve=True)
    except (asyncssh.Error, OSError) as exc:
        raise InstallError(f"{host.label}: copying {Path(local).name} to {remote} failed: {exc}") from exc


async def put_text(host: Any, text: str, remote: str, mode: int = 0o600) -> None:
    """Write a small file on the host with ``mode`` set before any content lands in it."""
    import asyncssh

    try:
        async with host.conn.start_sftp_client() as sftp:
            await sftp.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
            async with sftp.open(remote, "w", attrs=asyncssh.SFTPAttrs(permissions=mode)) as handle:
                await handle.write(text)
            await sftp.chmod(remote, mode)
    except (asyncssh.Error, OSError) as exc:
        raise InstallError(f"{host.label}: writing {remote} failed: {exc}") from exc


async def ensure_uv(host: Any, root: str, log: Any) -> str:
    """uv on the host, the same binary as here: reused when its sha256 matches, else shipped and verified.

    The copy goes to a temporary name, its sha256 is checked on the host against this machine's,
    and only then is it moved into place, so a torn transfer never becomes the host's uv.
    """
    local, digest = local_uv()
    target = f"{root}/bin/uv"
    if await remote_sha256(host, target) == digest:
        await log(f"uv: {target} matches this machine's (sha256 {digest[:12]}), kept")
        return target
    partial = f"{target}.partial"
    await log(f"uv: shipping {Path(local).name} ({Path(local).stat().st_size // (1024 * 1024)} MiB, sha256 {digest[:12]})")
    await put_file(host, local, partial)
    shipped = await remote_sha256(host, partial)
    if shipped != digest:
        await host.run(f"rm -f {q(partial)}", timeout=30)
        raise InstallError(f"{host.label}: uv checksum mismatch after transfer (sent sha256 {digest}, "
                           f"host has {shipped or 'nothing'}): the copy was discarded")
    await host.run(f"chmod 755 {q(partial)} && mv -f {q(partial)} {q(target)}", check=True, timeout=30)
    await log(f"uv: shipped to {target}, sha256 verified on the host")
    return target


async def ship_index_access(host: Any, root: str, access: IndexAccess, log: Any) -> str:
    """Ship the CA bundle (when one is set) and the env file install steps source; return its path."""
    remote_ca = None
    if access.ca_file:
        remote_ca = f"{root}/index/ca-bundle.pem"
        await put_file(host, access.ca_file, remote_ca)
        await log(f"index: CA bundle {access.ca_file} shipped to {remote_ca}")
    env_path = f"{root}/index/env.sh"
    await put_text(host, env_file_text(access.host_env(remote_ca)), env_path)
    return env_path


_REACH = ("import sys,urllib.error,urllib.request\n"
          "try:\n"
          "    urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])).close()\n"
          "    print('reachable')\n"
          "except urllib.error.HTTPError:\n"  # the index answered (e.g. 404 for the probe page): reachable
          "    print('reachable')\n"
          "except Exception as exc:\n"
          "    print('unreachable:', type(exc).__name__, str(exc)[:200])\n")


async def index_reachable(host: Any, python: str, env_file: str, url: str, timeout: float = 8.0) -> tuple[bool, str]:
    """Whether the host reaches the index with the shipped proxies and CA (True, '') or why not."""
    command = f". {q(env_file)} && {q(python)} -c {q(_REACH)} {q(url)} {timeout:g}"
    result = await host.run(command, timeout=timeout + 30)
    text = (result.stdout.strip().splitlines() or [result.stderr.strip() or "no answer"])[-1]
    return text == "reachable", text.removeprefix("unreachable: ")
