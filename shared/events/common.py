"""Value types shared by several event payloads."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# The fiscal years the system plans for and its events carry.
FIRST_FISCAL_YEAR = 2000
LAST_FISCAL_YEAR = 2100
FiscalYearNumber = Annotated[int, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)]

NIP = Annotated[str, Field(pattern=r"^\d{18}$", description="Nomor Induk Pegawai, 18 digits")]
CompetencyCode = Annotated[str, Field(min_length=1, max_length=40, description="Stable competency key, e.g. M.05")]
UnitCode = Annotated[str, Field(min_length=1, max_length=40, description="Work unit (OPD, UPT, puskesmas) code")]
Level = Annotated[int, Field(ge=1, le=5, description="PermenPANRB 38/2017 level: 1 Paham .. 5 Ahli")]


class DevelopmentForm(StrEnum):
    """Forms of competency development after PerLAN 10/2018 (classical and non-classical)."""

    TRAINING = "training"
    COURSE = "course"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    E_LEARNING = "e_learning"
    COACHING = "coaching"
    MENTORING = "mentoring"
    INTERNSHIP = "internship"
    EXCHANGE = "exchange"
    BENCHMARKING_VISIT = "benchmarking_visit"
    DETASERING = "detasering"
    SELF_STUDY = "self_study"
    COMMUNITY_OF_PRACTICE = "community_of_practice"
    REFRESHER = "refresher"


class CompetencyTarget(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: CompetencyCode
    target_level: Level
