from __future__ import annotations

from pydantic import Field, model_validator

from services.evaluation import analytics, domain
from services.evaluation.schedule import Schedule
from shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    service_name: str = "evaluation"
    http_port: int = Field(default=8003, ge=1, le=65535)
    # Outcomes of one evaluation, on its 0-100 score.
    reaction_satisfied_threshold: float = Field(default=60.0, ge=0, le=100)
    behaviour_applied_threshold: float = Field(default=60.0, ge=0, le=100)
    # Level-2 bands on the normalised gain (Hake): high from 0.7, medium from 0.3.
    learning_high_gain: float = Field(default=0.7, ge=0, le=1)
    learning_medium_gain: float = Field(default=0.3, ge=0, le=1)
    # The plan, in days after completion.
    reaction_due_days: int = Field(default=7, ge=0)
    behaviour_opens_days: int = Field(default=90, ge=0)
    behaviour_due_days: int = Field(default=180, ge=0)
    results_opens_days: int = Field(default=180, ge=0)
    results_due_days: int = Field(default=365, ge=0)
    # Days the owner of a remedy action has to act on a barrier training does not remove.
    action_due_days: int = Field(default=30, ge=1, le=365)
    # Programmes (by code prefix) of leadership training that end in a change project (aksi perubahan).
    change_project_programmes: list[str] = Field(default=["PKA", "PKP", "PKN"], max_length=20)
    # The periodic reminder job (also run on demand: POST /monitoring/reminders).
    reminders_enabled: bool = True
    reminders_interval_s: float = Field(default=6 * 3600, gt=0)
    # Effectiveness bars: a group below one is flagged, if its figure rests on enough responses.
    bar_satisfaction: float = Field(default=60.0, ge=0, le=100)
    bar_normalised_gain: float = Field(default=0.3, ge=-1, le=1)
    bar_transfer_rate: float = Field(default=0.5, ge=0, le=1)
    bar_change_pct: float = 0.0
    bar_min_responses: int = Field(default=3, ge=1)

    def thresholds(self) -> domain.Thresholds:
        return domain.Thresholds(
            satisfied=self.reaction_satisfied_threshold,
            applied=self.behaviour_applied_threshold,
            high_gain=self.learning_high_gain,
            medium_gain=self.learning_medium_gain,
        )

    def schedule(self) -> Schedule:
        return Schedule(
            reaction_due_days=self.reaction_due_days,
            behaviour_opens_days=self.behaviour_opens_days,
            behaviour_due_days=self.behaviour_due_days,
            results_opens_days=self.results_opens_days,
            results_due_days=self.results_due_days,
        )

    def bars(self) -> analytics.Bars:
        return analytics.Bars(
            satisfaction=self.bar_satisfaction,
            normalised_gain=self.bar_normalised_gain,
            transfer_rate=self.bar_transfer_rate,
            change_pct=self.bar_change_pct,
            min_responses=self.bar_min_responses,
        )

    @model_validator(mode="after")
    def _windows_open_before_they_close(self) -> EvaluationSettings:
        if self.behaviour_opens_days > self.behaviour_due_days or self.results_opens_days > self.results_due_days:
            raise ValueError("an evaluation window must open before it is due (*_OPENS_DAYS <= *_DUE_DAYS)")
        return self
