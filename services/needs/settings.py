from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class NeedsSettings(ServiceSettings):
    service_name: str = "needs"
    http_port: int = Field(default=8001, ge=1, le=65535)
    # Priority policy (see README, "How a need's priority is made").
    priority_front_line_factor: float = Field(default=1.5, ge=1.0)
