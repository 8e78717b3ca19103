"""Reduce contract of the minimal app."""

from workers.reduce import ReduceContract, numeric_sum_merge, require_payload_keys

MINIMAL_APP_REDUCE_CONTRACT = ReduceContract(
    name="minimal_app_summary",
    reducer="minimal_app.square-sum.v1",
    merge=numeric_sum_merge,
    validate_partial=require_payload_keys("count", "square_sum"),
    metadata={"app": "minimal_app_project", "domain": "template", "scope": "range"},
)
