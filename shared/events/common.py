"""Value types shared by several event payloads."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.nip import NIP_REGEX
from shared.domain.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, DevelopmentForm

FiscalYearNumber = Annotated[int, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)]

# ASCII digits only (shared.domain.nip): \d would also match full-width and superscript digits.
NIP = Annotated[str, Field(pattern=NIP_REGEX, description="Nomor Induk Pegawai, 18 digits 0-9")]
CompetencyCode = Annotated[str, Field(min_length=1, max_length=40, description="Stable competency key, e.g. M.05")]
UnitCode = Annotated[str, Field(min_length=1, max_length=40, description="Work unit (OPD, UPT, puskesmas) code")]
Level = Annotated[int, Field(ge=1, le=5, description="PermenPANRB 38/2017 level: 1 Paham .. 5 Ahli")]

__all__ = ["NIP", "CompetencyCode", "CompetencyTarget", "DevelopmentForm", "FiscalYearNumber", "Level", "UnitCode"]


class CompetencyTarget(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: CompetencyCode
    target_level: Level
