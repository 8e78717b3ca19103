"""AGILab's tracker facade (``from agilab.tracking import tracker``) on top of ours.

The run comes from ``AGILAB_PIPELINE_MLFLOW_RUN_ID`` or ``MLFLOW_RUN_ID`` (the stage's nested run),
the store from ``MLFLOW_TRACKING_URI``, else AGILab's ``MLFLOW_TRACKING_DIR`` (``<dir>/mlflow.db``).
"""

from __future__ import annotations

import os

if not os.environ.get("MLFLOW_TRACKING_URI") and os.environ.get("MLFLOW_TRACKING_DIR"):
    _dir = os.path.expanduser(os.environ["MLFLOW_TRACKING_DIR"])
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{os.path.join(_dir, 'mlflow.db')}"
if os.environ.get("AGILAB_PIPELINE_MLFLOW_RUN_ID") and not os.environ.get("MLFLOW_RUN_ID"):
    os.environ["MLFLOW_RUN_ID"] = os.environ["AGILAB_PIPELINE_MLFLOW_RUN_ID"]

from workers.tracking import Tracker, default_backend, tracker  # noqa: E402

__all__ = ["Tracker", "default_backend", "tracker"]
