from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    service_name: str = "evaluation"
    http_port: int = Field(default=8003, ge=1, le=65535)
    # A level-1 score (0-100) below this marks the participant as not satisfied.
    reaction_satisfied_threshold: float = Field(default=60.0, ge=0, le=100)
