"""The Cython path: compile a worker module into ``<module>_cy`` so mode bit 2 runs native code.

Run inside the worker environment: ``python -m workers.cython_build --package-dir D --module M --out O``.
A missing compiler or Cython is a clear error, never a silent fallback to Python.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import sysconfig
from pathlib import Path

from workers.lifeline import guard_group


class CythonBuildError(RuntimeError):
    """The extension could not be built; the message says why and how to fix it."""


def find_compiler() -> str:
    """The C compiler setuptools will call, or a CythonBuildError saying none exists."""
    configured = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    for candidate in (configured, "cc", "gcc", "clang"):
        path = shutil.which(candidate)
        if path:
            return path
    raise CythonBuildError("no C compiler found (tried $CC, cc, gcc, clang): install gcc "
                           "(e.g. apt-get install build-essential) to use the cython mode")


def extension_suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def built_extension(out_dir: Path, module: str) -> Path | None:
    candidate = out_dir / f"{module}_cy{extension_suffix()}"
    return candidate if candidate.exists() else None


def build(package_dir: Path, module: str, out_dir: Path) -> Path:
    """Compile ``package_dir/module.py`` into ``out_dir/<module>_cy<EXT_SUFFIX>``; skip when unchanged."""
    source = package_dir / f"{module}.py"
    if not source.exists():
        raise CythonBuildError(f"{source}: worker module not found")
    find_compiler()
    try:
        from Cython.Build import cythonize
        from setuptools import Distribution, Extension
    except ImportError as exc:
        raise CythonBuildError(f"Cython and setuptools must be installed in the worker env: {exc}") from exc
    ext_name = f"{module}_cy"
    digest = hashlib.sha256(source.read_bytes() + sys.version.encode()).hexdigest()
    stamp = out_dir / f".{ext_name}.sha256"
    existing = built_extension(out_dir, module)
    if existing and stamp.exists() and stamp.read_text() == digest:
        print(f"cython: {existing.name} is up to date", flush=True)
        return existing
    build_dir = out_dir / "build" / ext_name
    build_dir.mkdir(parents=True, exist_ok=True)
    staged = build_dir / f"{ext_name}.py"
    shutil.copyfile(source, staged)
    print(f"cython: compiling {source.name} -> {ext_name}", flush=True)
    extensions = cythonize([Extension(ext_name, [str(staged)])], build_dir=str(build_dir), quiet=True,
                           compiler_directives={"language_level": 3, "binding": True})
    dist = Distribution({"name": ext_name, "ext_modules": extensions, "script_args": ["build_ext"]})
    command = dist.get_command_obj("build_ext")
    command.build_lib = str(out_dir)
    command.build_temp = str(build_dir / "tmp")
    try:
        dist.run_command("build_ext")
    except Exception as exc:  # setuptools raises CompileError/LinkError subclasses of Exception
        raise CythonBuildError(f"compiling {source} failed: {exc}") from exc
    result = built_extension(out_dir, module)
    if result is None:
        raise CythonBuildError(f"the build produced no {ext_name}{extension_suffix()} in {out_dir}")
    stamp.write_text(digest)
    print(f"cython: built {result.name}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.cython_build")
    parser.add_argument("--package-dir", required=True, type=Path)
    parser.add_argument("--module", required=True)
    parser.add_argument("--out", required=True, type=Path)
    options = parser.parse_args(argv)
    # gcc is started by setuptools, out of our reach: if whoever runs the build dies, take it down.
    guard_group()
    try:
        build(options.package_dir, options.module, options.out)
    except CythonBuildError as exc:
        print(f"cython build failed: {exc}", file=sys.stderr, flush=True)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
