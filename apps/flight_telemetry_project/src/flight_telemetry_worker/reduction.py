"""Reduce contract of the flight app: trajectory metrics merged exactly across partitions."""

from workers.reduce import ReduceContract, numeric_sum_merge, require_payload_keys

_SUMMED = ("row_count", "speed_count", "speed_sum_m", "distance_sum_m", "flight_run_count")
_LISTS = ("source_files", "aircraft", "output_files", "output_formats")


def merge_flight_payloads(payloads):
    """Counts and sums add up, lists are unioned and sorted, extremes take min/max."""
    sums = numeric_sum_merge([{k: p[k] for k in _SUMMED} for p in payloads])
    merged = {key: sums.get(key, 0) for key in _SUMMED}
    for key in _LISTS:
        merged[key] = sorted({value for p in payloads for value in p[key]})
    merged["source_file_count"] = len(merged["source_files"])
    merged["aircraft_count"] = len(merged["aircraft"])
    merged["output_file_count"] = len(merged["output_files"])
    merged["max_speed_m"] = max((p["max_speed_m"] for p in payloads), default=0.0)
    merged["mean_speed_m"] = merged["speed_sum_m"] / merged["speed_count"] if merged["speed_count"] else 0.0
    merged["time_start"] = min((p["time_start"] for p in payloads), default="")
    merged["time_end"] = max((p["time_end"] for p in payloads), default="")
    return merged


FLIGHT_REDUCE_CONTRACT = ReduceContract(
    name="flight_reduce_summary",
    reducer="flight_telemetry.trajectory-metrics.v1",
    merge=merge_flight_payloads,
    validate_partial=require_payload_keys(*_SUMMED, *_LISTS, "max_speed_m", "time_start", "time_end"),
    metadata={"app": "flight_telemetry_project", "domain": "flight", "scope": "trajectory"},
)
