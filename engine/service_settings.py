"""``[cluster.service]``: the service-mode heartbeat timeout and the queue retention policy.

Named after AGILab's ``AGI.serve`` keyword arguments (``heartbeat_timeout``, ``cleanup_*``); defaults are
AGILab's (10 s heartbeat, done/failed/heartbeat files kept 7 d / 14 d / 24 h, at most 2000/2000/1000).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DAY = 86400.0


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    heartbeat_timeout: float = Field(10.0, gt=0, le=86400)
    """Seconds without a heartbeat before a worker loop counts as stale and is restarted."""
    cleanup_done_ttl_sec: float = Field(7 * DAY, gt=0)
    cleanup_failed_ttl_sec: float = Field(14 * DAY, gt=0)
    cleanup_heartbeat_ttl_sec: float = Field(1 * DAY, gt=0)
    cleanup_done_max_files: int = Field(2000, ge=1)
    cleanup_failed_max_files: int = Field(2000, ge=1)
    cleanup_heartbeat_max_files: int = Field(1000, ge=1)

    def cleanup(self) -> dict[str, float]:
        """The retention policy as ``engine.service.queue.CleanupPolicy`` fields."""
        return {name.removeprefix("cleanup_"): getattr(self, name)
                for name in type(self).model_fields if name.startswith("cleanup_")}
