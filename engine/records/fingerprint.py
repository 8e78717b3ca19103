"""Content fingerprints: app sources, input files (cheap for large ones), output files (exact).

Input files up to 4 MiB are hashed whole (BLAKE2b). Larger ones are fingerprinted from their size,
their modification time and a BLAKE2b of the first, middle and last MiB, so a 10 GB dataset costs
3 MiB of reading; an edit inside an unsampled region that keeps size and mtime goes unnoticed,
which is the price of not reading the whole file. Outputs are always hashed whole (SHA-256)
because the reproducibility check compares them byte for byte.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

SMALL_FILE = 4 << 20
SAMPLE = 1 << 20
_SOURCE_SUFFIXES = {".py", ".pyx", ".pxd", ".toml"}
_SKIP_DIRS = {"__pycache__", "build", ".venv", ".git"}


def file_fingerprint(path: Path | str) -> dict[str, Any]:
    """``{path, size, mtime, fingerprint}``; ``fingerprint`` is ``b2:<hex>`` (whole) or ``b2s:<hex>`` (sampled)."""
    p = Path(path)
    try:
        stat = p.stat()
    except OSError as exc:
        return {"path": str(p), "size": None, "mtime": None, "fingerprint": None, "error": exc.strerror or str(exc)}
    digest = hashlib.blake2b(digest_size=16)
    with open(p, "rb") as handle:
        if stat.st_size <= SMALL_FILE:
            digest.update(handle.read())
            kind = "b2"
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
            for offset in (0, stat.st_size // 2 - SAMPLE // 2, stat.st_size - SAMPLE):
                handle.seek(offset)
                digest.update(handle.read(SAMPLE))
            kind = "b2s"
    return {"path": str(p), "size": stat.st_size, "mtime": stat.st_mtime, "fingerprint": f"{kind}:{digest.hexdigest()}"}


def sha256_file(path: Path | str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def table_rows(path: Path | str) -> int | None:
    """Rows of a parquet file (from its footer) or a CSV (newlines counted, header excluded); else None."""
    p = Path(path)
    try:
        if p.suffix == ".parquet":
            from .parquet_rows import parquet_num_rows

            return parquet_num_rows(p)
        if p.suffix == ".csv":
            count = 0
            last = b"\n"
            with open(p, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    count += chunk.count(b"\n")
                    last = chunk[-1:]
            if last != b"\n":
                count += 1  # a last line without newline
            return max(count - 1, 0)
    except Exception:  # an unreadable or truncated table has no row count, it is still an output
        return None
    return None


def output_entry(path: Path | str, base: Path | None = None, *, partial: bool = False) -> dict[str, Any]:
    """One output: name (relative to ``base`` when inside it), path, size, sha256, rows."""
    p = Path(path)
    try:
        name = str(p.relative_to(base)) if base is not None else p.name
    except ValueError:
        name = p.name
    exists = p.is_file()
    entry = {"name": name, "path": str(p), "exists": exists, "size": p.stat().st_size if exists else 0,
             "sha256": sha256_file(p) if exists else None, "rows": table_rows(p) if exists else None}
    if partial:
        entry["partial"] = True
    return entry


def _source_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    if not folder.is_dir():
        return found
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if Path(name).suffix in _SOURCE_SUFFIXES:
                found.append(Path(root) / name)
    return found


def sources_fingerprint(folders: dict[str, Path]) -> dict[str, Any]:
    """SHA-256 per source file (``.py .pyx .pxd .toml``) of each named folder, and one digest over all."""
    files: dict[str, str] = {}
    for label, folder in sorted(folders.items()):
        for path in _source_files(folder):
            files[f"{label}/{path.relative_to(folder)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    total = hashlib.sha256("\n".join(f"{k}={v}" for k, v in sorted(files.items())).encode()).hexdigest()
    return {"digest": total, "files": files}


def plan_input_files(plan: dict[str, Any] | None) -> list[str]:
    """Every existing file named by a work plan's items (nested lists of strings), in plan order."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if len(node) < 4096 and ("/" in node or os.sep in node) and os.path.isfile(node):
                found.setdefault(node)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk((plan or {}).get("work_plan", []))
    return list(found)
