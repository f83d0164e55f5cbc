"""Pure rules of training-needs analysis: NIP structure, competency standards, gaps and priority.

No I/O and no framework imports: everything here is plain data in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

LEVEL_NAMES = {1: "Paham", 2: "Dasar", 3: "Menengah", 4: "Mumpuni", 5: "Ahli"}


class CompetencyKind(StrEnum):
    MANAGERIAL = "managerial"
    SOCIO_CULTURAL = "socio_cultural"
    TECHNICAL = "technical"


class PositionType(StrEnum):
    JPT_MADYA = "jpt_madya"
    JPT_PRATAMA = "jpt_pratama"
    ADMINISTRATOR = "administrator"
    PENGAWAS = "pengawas"
    PELAKSANA = "pelaksana"
    FUNGSIONAL = "fungsional"


class AssessmentSource(StrEnum):
    ASSESSMENT_CENTRE = "assessment_centre"
    TEST = "test"
    SUPERVISOR = "supervisor"
    SELF = "self"


# Which assessment counts when several exist for one competency: the most trusted source first, then
# the most recent. An assessment centre result outranks a newer self-assessment.
SOURCE_PRECEDENCE = {
    AssessmentSource.ASSESSMENT_CENTRE: 4,
    AssessmentSource.TEST: 3,
    AssessmentSource.SUPERVISOR: 2,
    AssessmentSource.SELF: 1,
}

# PermenPANRB 38/2017: managerial and socio-cultural level required by default, by position type.
# Fungsional posts have no single default in the regulation; 2 is this system's configurable default.
DEFAULT_MANAGERIAL_LEVEL = {
    PositionType.JPT_MADYA: 5,
    PositionType.JPT_PRATAMA: 4,
    PositionType.ADMINISTRATOR: 3,
    PositionType.PENGAWAS: 2,
    PositionType.PELAKSANA: 1,
    PositionType.FUNGSIONAL: 2,
}


@dataclass(frozen=True)
class Competency:
    code: str
    name: str
    kind: CompetencyKind
    weight: float = 1.0


# The eight managerial competencies (M.01-M.08) and the socio-cultural one, preloaded.
STANDARD_COMPETENCIES = (
    Competency("M.01", "Integritas", CompetencyKind.MANAGERIAL),
    Competency("M.02", "Kerja Sama", CompetencyKind.MANAGERIAL),
    Competency("M.03", "Komunikasi", CompetencyKind.MANAGERIAL),
    Competency("M.04", "Orientasi pada Hasil", CompetencyKind.MANAGERIAL),
    Competency("M.05", "Pelayanan Publik", CompetencyKind.MANAGERIAL),
    Competency("M.06", "Pengembangan Diri dan Orang Lain", CompetencyKind.MANAGERIAL),
    Competency("M.07", "Mengelola Perubahan", CompetencyKind.MANAGERIAL),
    Competency("M.08", "Pengambilan Keputusan", CompetencyKind.MANAGERIAL),
    Competency("SK.01", "Perekat Bangsa", CompetencyKind.SOCIO_CULTURAL),
)


class InvalidNip(ValueError):
    """A NIP that breaks the Perka BKN 22/2007 layout; says which part is wrong, in both languages."""

    def __init__(self, part: str, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.part = part
        self.message_id = message_id
        self.message_en = message_en


@dataclass(frozen=True)
class Nip:
    """NIP layout YYYYMMDD YYYYMM G NNN: birth date, CPNS appointment (TMT) month, gender, serial."""

    value: str
    birth_date: date
    appointment_year: int
    appointment_month: int
    gender: str

    @classmethod
    def parse(cls, raw: str) -> Nip:
        value = raw.replace(" ", "")
        if len(value) != 18 or not value.isdigit():
            raise InvalidNip(
                "length",
                f"NIP harus 18 digit angka; diterima {len(value)} karakter.",
                f"A NIP has 18 digits; got {len(value)} characters.",
            )
        try:
            birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            raise InvalidNip(
                "birth_date",
                f"Digit 1-8 ({value[0:8]}) bukan tanggal lahir yang sah.",
                f"Digits 1-8 ({value[0:8]}) are not a valid birth date.",
            ) from None
        year, month = int(value[8:12]), int(value[12:14])
        if not 1 <= month <= 12:
            raise InvalidNip(
                "appointment",
                f"Digit 9-14 ({value[8:14]}) bukan bulan TMT CPNS yang sah.",
                f"Digits 9-14 ({value[8:14]}) are not a valid appointment (TMT) month.",
            )
        if (year, month) <= (birth.year, birth.month):
            raise InvalidNip(
                "appointment",
                f"TMT CPNS {value[8:14]} tidak boleh sebelum tanggal lahir.",
                f"The appointment month {value[8:14]} must come after the birth date.",
            )
        if value[14] not in "12":
            raise InvalidNip(
                "gender",
                f"Digit 15 ({value[14]}) harus 1 (laki-laki) atau 2 (perempuan).",
                f"Digit 15 ({value[14]}) must be 1 (male) or 2 (female).",
            )
        return cls(value, birth, year, month, "male" if value[14] == "1" else "female")


@dataclass(frozen=True)
class Assessment:
    competency_code: str
    level: int
    source: AssessmentSource
    assessed_on: date


def effective_assessment(assessments: list[Assessment]) -> Assessment | None:
    """The assessment that counts: most trusted source, then most recent."""
    if not assessments:
        return None
    return max(assessments, key=lambda a: (SOURCE_PRECEDENCE[a.source], a.assessed_on))


def required_levels(position_type: PositionType, standard: dict[str, int]) -> dict[str, int]:
    """A position's competency standard: its explicit levels over the defaults of its type."""
    default = DEFAULT_MANAGERIAL_LEVEL[position_type]
    levels = {c.code: default for c in STANDARD_COMPETENCIES}
    levels.update(standard)
    return levels


@dataclass(frozen=True)
class PriorityPolicy:
    """How urgent a need is: gap x competency weight x front-line factor. A local policy, not law."""

    front_line_factor: float = 1.5

    def score(self, gap: int, competency_weight: float, front_line: bool) -> tuple[float, dict[str, float]]:
        factor = self.front_line_factor if front_line else 1.0
        parts = {"gap": float(gap), "competency_weight": competency_weight, "front_line_factor": factor}
        return round(gap * competency_weight * factor, 4), parts


@dataclass(frozen=True)
class GapFinding:
    competency_code: str
    required_level: int
    assessed_level: int
    gap: int
    priority: float
    priority_parts: dict[str, float] = field(default_factory=dict)


def analyse_gap(
    competency: Competency,
    required_level: int,
    assessed: Assessment,
    *,
    front_line: bool,
    policy: PriorityPolicy,
) -> GapFinding | None:
    """A need exists where the required level exceeds the assessed one."""
    gap = required_level - assessed.level
    if gap <= 0:
        return None
    priority, parts = policy.score(gap, competency.weight, front_line)
    return GapFinding(competency.code, required_level, assessed.level, gap, priority, parts)


def fiscal_year_of(day: date) -> int:
    """Indonesian government fiscal years follow the calendar year."""
    return day.year


def need_id(fiscal_year: int, nip: str, competency_code: str) -> str:
    """One need per employee, competency and fiscal year; a later finding supersedes it."""
    return f"{fiscal_year}-{nip}-{competency_code}"
