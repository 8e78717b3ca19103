"""Side-by-side comparison of two records: args, environment, metrics, inputs and outputs."""

from __future__ import annotations

from typing import Any


def _record(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest.get("record", {})


def _diff_maps(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "a": a.get(k), "b": b.get(k)} for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def _metric_rows(a: dict[str, float], b: dict[str, float]) -> list[dict[str, Any]]:
    rows = []
    for name in sorted(set(a) | set(b)):
        va, vb = a.get(name), b.get(name)
        delta = vb - va if va is not None and vb is not None else None
        pct = round(100.0 * delta / abs(va), 4) if delta is not None and va else None
        rows.append({"name": name, "a": va, "b": vb, "delta": delta, "pct": pct})
    return rows


def _files(entries: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(e[key]): e for e in entries or [] if e.get(key) is not None}


def diff_files(a: list[dict[str, Any]], b: list[dict[str, Any]], *, key: str, digest: str) -> dict[str, Any]:
    """``added`` / ``removed`` names and ``changed`` entries (digest differs) between two file lists."""
    fa, fb = _files(a, key), _files(b, key)
    changed = []
    for name in sorted(set(fa) & set(fb)):
        ea, eb = fa[name], fb[name]
        if ea.get(digest) != eb.get(digest):
            changed.append({key: name, "a": ea.get(digest), "b": eb.get(digest), "size_a": ea.get("size"),
                            "size_b": eb.get("size"), "rows_a": ea.get("rows"), "rows_b": eb.get("rows")})
    return {"added": [{key: n, "size": fb[n].get("size"), "rows": fb[n].get("rows")} for n in sorted(set(fb) - set(fa))],
            "removed": [{key: n, "size": fa[n].get("size"), "rows": fa[n].get("rows")} for n in sorted(set(fa) - set(fb))],
            "changed": changed,
            "same": sorted(n for n in set(fa) & set(fb) if fa[n].get(digest) == fb[n].get(digest))}


def compare_manifests(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Everything that differs from run ``a`` to run ``b``; ``delta`` and ``pct`` are b relative to a."""
    ra, rb = _record(a), _record(b)
    env_a = (ra.get("worker_environment") or {}).get("packages", {})
    env_b = (rb.get("worker_environment") or {}).get("packages", {})
    execution = {k: (ra.get(k), rb.get(k)) for k in ("kind", "mode", "token", "hosts", "status")}
    return {
        "a": ra.get("run_id"), "b": rb.get("run_id"),
        "args": _diff_maps(ra.get("args") or {}, rb.get("args") or {}),
        "execution": [{"key": k, "a": va, "b": vb} for k, (va, vb) in execution.items() if va != vb],
        "env": [{"package": row["key"], "a": row["a"], "b": row["b"]} for row in _diff_maps(env_a, env_b)],
        "app_fingerprint": {"a": (ra.get("app_fingerprint") or {}).get("digest"),
                            "b": (rb.get("app_fingerprint") or {}).get("digest"),
                            "files": _diff_maps((ra.get("app_fingerprint") or {}).get("files", {}),
                                                (rb.get("app_fingerprint") or {}).get("files", {}))},
        "metrics": _metric_rows(ra.get("metrics") or {}, rb.get("metrics") or {}),
        "inputs": diff_files(ra.get("inputs") or [], rb.get("inputs") or [], key="path", digest="fingerprint"),
        "outputs": diff_files(ra.get("outputs") or [], rb.get("outputs") or [], key="name", digest="sha256"),
    }
