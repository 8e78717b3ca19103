"""A worker host's env is built aside and swapped in, as the local one is (:mod:`engine.env_swap`).

The layout on the host is the local one's, per host: the build goes to ``<wenv>/.building-<host>``
(same filesystem, so the swap is a rename), its venv is relocatable and its source link relative, so
nothing in it names the build folder. The swap parks the live ``.venv`` and ``src`` in
``.previous-<host>``, moves the build's in and deletes the parked ones; a failed move puts the
previous ones back. Each step is one shell command on the host, so a connection lost half-way leaves
either state, and :func:`recover_script` (run at the start of every install) finishes or undoes an
interrupted swap. The names carry the host, and recovery and swap hold ``<wenv>/.swap.lock``
(``flock``, where the host has it), because hosts that share their home (NFS) share this folder too:
one host's recovery must not delete another's build in progress.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from .env_swap import BUILDING, PREVIOUS, SWAPPED
from .errors import InstallError

q = shlex.quote
_NAMES = " ".join(SWAPPED)
LOCK = ".swap.lock"


def host_tag(label: str) -> str:
    """The host's part of the aside folders' names (``root@10.0.0.5:22`` -> ``root_10.0.0.5_22``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_.") or "host"


def aside_names(tag: str = "") -> tuple[str, str]:
    """The build folder and the parking folder of one host, inside the env folder."""
    suffix = f"-{tag}" if tag else ""
    return f"{BUILDING}{suffix}", f"{PREVIOUS}{suffix}"


def _restore(parked: str) -> str:
    # Put the previous .venv/src back when the live set is incomplete (a swap cut short); a complete live
    # set means the swap got through and only the parked copies are left to delete.
    return (f"restore() {{ rc=0; for n in {_NAMES}; do if [ -e {parked}/$n ] || [ -L {parked}/$n ]; then "
            f"{{ rm -rf \"$n\" && mv -T {parked}/$n \"$n\" && echo \"restored $n\"; }} || rc=1; fi; done; "
            "return $rc; }")


def _locked(wenv: str, script: str) -> str:
    """``script`` run in ``wenv`` under the folder's swap lock (without ``flock`` on the host, unlocked)."""
    body = q(f"cd {q(wenv)} || exit 1; {script}")
    lock = q(f"{wenv.rstrip('/')}/{LOCK}")
    return (f"mkdir -p {q(wenv)} || exit 1; if command -v flock >/dev/null 2>&1; then exec flock {lock} sh -c {body}; "
            f"else exec sh -c {body}; fi")


def recover_script(wenv: str, tag: str = "") -> str:
    """Finish or undo an interrupted swap, drop a stale build; prints ``restored <name>`` per name put back."""
    build, parked = aside_names(tag)
    return _locked(wenv, f"{_restore(parked)}; "
                         f"if [ -d {parked} ]; then whole=1; for n in {_NAMES}; do [ -e \"$n\" ] || whole=0; done; "
                         f"[ $whole = 1 ] || restore || exit 1; rm -rf {parked} || exit 1; fi; rm -rf {build}")


def prepare_script(wenv: str, tag: str = "") -> str:
    """A fresh build folder holding a copy of the live sources (mtimes kept: only changed files are sent,
    and the Cython extension with its digest comes along, so an unchanged one is not rebuilt)."""
    build, _ = aside_names(tag)
    return (f"mkdir -p {q(wenv)} && cd {q(wenv)} && mkdir {build} && "
            f"if [ -d src ]; then cp -a src {build}/src; else mkdir {build}/src; fi")


def swap_script(wenv: str, tag: str = "") -> str:
    """Park the live env, move the build in, delete the parked one; any failed move restores the previous."""
    build, parked = aside_names(tag)
    return _locked(wenv, f"{_restore(parked)}; "
                         f"[ -d {build}/.venv ] && [ -d {build}/src ] || {{ echo 'the build is incomplete'; exit 1; }}; "
                         f"rm -rf {parked} && mkdir {parked} || exit 1; "
                         f"for n in {_NAMES}; do if [ -e \"$n\" ] || [ -L \"$n\" ]; then mv -T \"$n\" {parked}/$n "
                         f"|| {{ restore; exit 1; }}; fi; done; "
                         f"for n in {_NAMES}; do mv -T {build}/$n \"$n\" || {{ restore; exit 1; }}; done; "
                         f"rm -rf {parked} {build}")


def reuse_bytecode_script(wenv: str, python_tag: str, tag: str = "") -> str:
    """Copy the live venv's ``__pycache__`` folders into the build when both hold the same distributions.

    The fresh venv's files are links into the host's uv cache, the very files the live venv has when no
    version changed, so the bytecode the live env's imports wrote stays valid; the preflight then reads
    it instead of compiling pandas & co. again (~3 s a host). Python checks every ``.pyc`` against its
    source anyway; best effort, a failed copy only costs that compile.
    """
    sp = f"lib/python{python_tag}/site-packages"
    live, new = q(f"{wenv.rstrip('/')}/.venv/{sp}"), q(f"{build_dir(wenv, tag)}/.venv/{sp}")
    listing = "ls -d *.dist-info 2>/dev/null | sort"
    return (f"[ -d {live} ] && [ -d {new} ] || exit 0; "
            f"[ \"$(cd {live} && {listing})\" = \"$(cd {new} && {listing})\" ] || {{ echo 'bytecode: versions differ, "
            "not reused'; exit 0; }; "
            f"cd {live} && find . -type d -name __pycache__ -prune -print0 | tar --null -T - -cf - | tar -xf - -C {new} "
            "&& echo 'bytecode: reused from the live env' || echo 'bytecode: not reused'")


def build_dir(wenv: str, tag: str = "") -> str:
    return f"{wenv.rstrip('/')}/{aside_names(tag)[0]}"


async def recover(host: Any, wenv: str) -> list[str]:
    """Run :func:`recover_script` on the host; the names it put back (empty when nothing was interrupted)."""
    result = await host.run(recover_script(wenv, host_tag(host.label)), timeout=300)
    if result.exit_status != 0:
        raise InstallError(f"{host.label}: could not recover the interrupted env swap in {wenv}: "
                           f"{(result.stderr or result.stdout).strip()[-300:]}")
    return [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("restored ")]


async def prepare(host: Any, wenv: str) -> str:
    """Create this host's build folder (after :func:`recover`); returns its path."""
    tag = host_tag(host.label)
    result = await host.run(prepare_script(wenv, tag), timeout=300)
    if result.exit_status != 0:
        raise InstallError(f"{host.label}: could not prepare the build folder {build_dir(wenv, tag)}: "
                           f"{(result.stderr or result.stdout).strip()[-300:]}")
    return build_dir(wenv, tag)


async def reuse_bytecode(host: Any, wenv: str, python_tag: str) -> str:
    """Run :func:`reuse_bytecode_script`; its one-line outcome ('' when there is no live env)."""
    result = await host.run(reuse_bytecode_script(wenv, python_tag, host_tag(host.label)), timeout=300)
    return (result.stdout.strip().splitlines() or [""])[-1]


async def swap_in(host: Any, wenv: str) -> None:
    result = await host.run(swap_script(wenv, host_tag(host.label)), timeout=300)
    if result.exit_status != 0:
        raise InstallError(f"{host.label}: swapping the new env into {wenv} failed (the previous one is kept): "
                           f"{(result.stderr or result.stdout).strip()[-300:]}")


async def discard(host: Any, wenv: str) -> None:
    """Drop a build that failed; best effort (a lost connection leaves it to the next install's recovery)."""
    try:
        await host.run(f"rm -rf {q(build_dir(wenv, host_tag(host.label)))}", timeout=120)
    except Exception:  # noqa: BLE001 (cleanup must not hide the build's own error)
        pass
