"""Reduce contract of the compute app: exact sums, so every mode yields the same summary."""

from workers.reduce import ReduceContract, numeric_sum_merge, require_payload_keys

_KEYS = ("row_count", "mean_sum", "weighted_score", "file_count")


def merge_scores(payloads):
    merged = numeric_sum_merge([{k: p[k] for k in _KEYS} for p in payloads])
    merged = {key: merged.get(key, 0) for key in _KEYS}
    merged["max_value"] = max((p["max_value"] for p in payloads), default=0.0)
    merged["mean_of_means"] = merged["mean_sum"] / merged["row_count"] if merged["row_count"] else 0.0
    return merged


EXECUTION_REDUCE_CONTRACT = ReduceContract(
    name="execution_pandas_summary",
    reducer="execution_pandas.weighted-score.v1",
    merge=merge_scores,
    validate_partial=require_payload_keys(*_KEYS, "max_value"),
    metadata={"app": "execution_pandas_project", "domain": "benchmark", "scope": "partition"},
)
