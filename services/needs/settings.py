from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from services.needs import domain, imports, sources
from shared.settings import ServiceSettings


class NeedsSettings(ServiceSettings):
    service_name: str = "needs"
    http_port: int = Field(default=8001, ge=1, le=65535)
    # POST /assessments/bulk: most assessments in one request (an assessment centre's file of results).
    assessments_bulk_max: int = Field(default=5000, ge=1, le=50_000)

    # Priority policy (README, "How a need's priority is made").
    priority_front_line_factor: float = Field(default=1.5, ge=1.0)
    priority_performance_weight: float = Field(default=0.1, ge=0)
    priority_jp_weight: float = Field(default=2.0, ge=0)
    priority_follow_up_weight: float = Field(default=2.0, ge=0)
    priority_skm_weight: float = Field(default=1.0, ge=0)
    priority_announce_delta: float = Field(default=0.5, ge=0)

    # The yearly JP minimum per employment type (the PPPK cap on what is given is the planner's).
    jp_minimum_pns: int = Field(default=20, ge=0)
    jp_minimum_pppk: int = Field(default=20, ge=0)
    # From this day of the year (MM-DD) a periodic check raises a need for everyone below the minimum.
    jp_check_enabled: bool = True
    jp_check_from: str = "07-01"
    jp_check_interval_s: float = Field(default=6 * 3600, gt=0)

    # The needs counted per unit and year (application/need_counts.py): how often what was written is
    # recounted, and how often every unit is (the repair of what a crash or another replica left stale).
    need_counts_interval_s: float = Field(default=1.0, gt=0, le=3600)
    # A round of recounts stops after this long (the rest first in the next), and at most this share of
    # the time is spent recounting (a longer round waits longer for the next): a burst of writes touching
    # every unit costs the database a tenth of its time, spread, not all of it at once.
    need_counts_round_s: float = Field(default=0.25, gt=0)
    need_counts_max_share: float = Field(default=0.1, gt=0, le=1)
    need_counts_sweep_s: float = Field(default=3600, gt=0)

    max_import_mb: int = Field(default=200, ge=1)
    # Refused before parsing: a row count a whole province's assessments stay under (North Sumatra's are
    # 2.45 M), and an XLSX whose parts unzip to more than this (a Medan-sized export is a few MB).
    import_max_rows: int = Field(default=3_000_000, ge=1)
    import_max_xlsx_mb: int = Field(default=100, ge=1)
    # A rejected import reports this many row errors, and how many there were in all.
    import_max_reported_errors: int = Field(default=1000, ge=1)

    # SKM bands that raise unit needs.
    skm_weak_bands: str = "C,D"
    # Citizens' own SKM answers (no sign-in): submissions one client address may make per minute.
    skm_public_per_minute: int = Field(default=10, ge=1, le=10_000)

    @field_validator("jp_check_from")
    @classmethod
    def _month_day(cls, v: str) -> str:
        date.fromisoformat(f"2023-{v}")  # a day that exists every year
        return v

    def import_limits(self) -> imports.ImportLimits:
        return imports.ImportLimits(
            max_rows=self.import_max_rows,
            max_xlsx_bytes=self.import_max_xlsx_mb * 1_000_000,
            max_reported_errors=self.import_max_reported_errors,
        )

    def rules(self) -> domain.PriorityPolicy:
        return domain.PriorityPolicy(
            front_line_factor=self.priority_front_line_factor,
            performance_weight=self.priority_performance_weight,
            jp_weight=self.priority_jp_weight,
            follow_up_weight=self.priority_follow_up_weight,
            skm_weight=self.priority_skm_weight,
        )

    def jp_rules(self) -> dict[str, domain.JpRule]:
        return {
            "PNS": domain.JpRule(self.jp_minimum_pns),
            "PPPK": domain.JpRule(self.jp_minimum_pppk),
        }

    def skm_policy(self) -> sources.SkmPolicy:
        return sources.SkmPolicy(weak_bands=frozenset(b.strip().upper() for b in self.skm_weak_bands.split(",")))

    def jp_check_starts(self, year: int) -> date:
        month, day = (int(p) for p in self.jp_check_from.split("-"))
        return date(year, month, day)
