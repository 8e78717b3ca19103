"""Worker runtime shipped to every host: base workers, work plans, the reduce contract, the Cython path.

This package must import neither ``engine`` nor ``tui``: it is copied into each worker environment.
"""

from .base_worker import BaseWorker, WorkerContext
from .dag_worker import DagWorker
from .pandas_worker import PandasWorker
from .plan import WorkPlan, make_chunks
from .reduce import ReduceArtifact, ReduceContract, ReducePartial, numeric_sum_merge, require_payload_keys

__all__ = [
    "BaseWorker",
    "DagWorker",
    "PandasWorker",
    "ReduceArtifact",
    "ReduceContract",
    "ReducePartial",
    "WorkPlan",
    "WorkerContext",
    "make_chunks",
    "numeric_sum_merge",
    "require_payload_keys",
]
