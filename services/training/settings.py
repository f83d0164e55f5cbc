from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.domain import clock
from shared.settings import ServiceSettings


class TrainingSettings(ServiceSettings):
    service_name: str = "training"
    http_port: int = Field(default=8002, ge=1, le=65535)

    # The planner runs by itself a little after needs arrive or the plan changes (README, "Planning").
    planner_enabled: bool = True
    planner_debounce_s: float = Field(default=1.0, ge=0)
    planner_retry_s: float = Field(default=5.0, gt=0)
    # The planning lease (one run per year across replicas): a heartbeat renews it while a run works, so
    # a replica that dies mid-run holds up planning for at most about this long (issue 12).
    planner_lease_s: float = Field(default=20.0, ge=3, le=600)
    # While other units still wait, one unit takes at most this share of a batch's seats.
    planner_unit_share: float = Field(default=0.5, gt=0, le=1)
    # PP 49/2018: the JP of development a PPPK is given in a contract year, at most.
    planner_pppk_jp_cap: int = Field(default=24, ge=1, le=500)
    # Plan as if today were this day (what-if planning; tests): batches starting on or before it take
    # nobody new. Empty: the real date.
    planner_as_of: date | None = None

    def plan_date(self) -> date:
        return self.planner_as_of or clock.today()
