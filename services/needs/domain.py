"""Pure rules of training-needs analysis: competency standards, gaps and priority (the NIP rule is shared:
``shared.domain.nip``).

No I/O and no framework imports: everything here is plain data in, plain data out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from shared.domain.errors import Invalid
from shared.domain.vocabulary import FIRST_FISCAL_YEAR, JP_COMPETENCY_CODE, LAST_FISCAL_YEAR, NeedSource

# Codes of units, positions and competencies, wherever they come from (API paths, imports): they end
# up in URLs (GET /units/{code}), so a code with a space could be stored but never fetched.
CODE_PATTERN = r"^[A-Za-z0-9._-]+$"
CODE_MAX_LENGTH = 40
NAME_MAX_LENGTH = 200
# An assessment counts towards the need of its own fiscal year, which an event must be able to carry.
EARLIEST_ASSESSMENT = date(FIRST_FISCAL_YEAR, 1, 1)
LATEST_ASSESSMENT = date(LAST_FISCAL_YEAR, 12, 31)


def is_code(value: str) -> bool:
    return len(value) <= CODE_MAX_LENGTH and re.fullmatch(CODE_PATTERN, value) is not None


def check_assessment_date(assessed_on: date) -> None:
    if not EARLIEST_ASSESSMENT <= assessed_on <= LATEST_ASSESSMENT:
        raise Invalid(
            "invalid_date",
            f"Tanggal penilaian harus antara {EARLIEST_ASSESSMENT} dan {LATEST_ASSESSMENT}.",
            f"The assessment date must be between {EARLIEST_ASSESSMENT} and {LATEST_ASSESSMENT}.",
        )


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
    """How urgent a need is. Each source has its formula; every score is returned with its parts so a
    reader can recompute it. A local policy, not law: the weights are configuration."""

    front_line_factor: float = 1.5
    # Performance gap (SKP): each 10 points of target not realised add this much to a competency need.
    performance_weight: float = 0.1
    jp_weight: float = 2.0
    follow_up_weight: float = 2.0
    skm_weight: float = 1.0
    request_weight: float = 1.0

    def _factor(self, front_line: bool) -> float:
        return self.front_line_factor if front_line else 1.0

    def score(
        self, gap: int, competency_weight: float, front_line: bool, performance_gap: float = 0.0
    ) -> tuple[float, dict[str, float]]:
        """(gap x competency weight + performance gap x performance weight / 10) x front-line factor."""
        factor = self._factor(front_line)
        parts = {"gap": float(gap), "competency_weight": competency_weight, "front_line_factor": factor}
        performance = 0.0
        if performance_gap > 0:
            performance = performance_gap * self.performance_weight / 10
            parts |= {"performance_gap": performance_gap, "performance_weight": self.performance_weight}
        return round((gap * competency_weight + performance) * factor, 4), parts

    def jp_score(self, shortfall: int, minimum: int, front_line: bool) -> tuple[float, dict[str, float]]:
        """shortfall / minimum x JP weight x front-line factor."""
        factor = self._factor(front_line)
        parts = {
            "jp_shortfall": float(shortfall),
            "jp_minimum": float(minimum),
            "jp_weight": self.jp_weight,
            "front_line_factor": factor,
        }
        return round(shortfall / minimum * self.jp_weight * factor, 4), parts

    def follow_up_score(self, front_line: bool) -> tuple[float, dict[str, float]]:
        factor = self._factor(front_line)
        return round(self.follow_up_weight * factor, 4), {
            "follow_up_weight": self.follow_up_weight,
            "front_line_factor": factor,
        }

    def request_score(self, front_line: bool) -> tuple[float, dict[str, float]]:
        factor = self._factor(front_line)
        return round(self.request_weight * factor, 4), {
            "request_weight": self.request_weight,
            "front_line_factor": factor,
        }

    def skm_score(self, score: float, front_line: bool) -> tuple[float, dict[str, float]]:
        """How far the survey score falls short of band B (76.61), per 10 points, x weight x factor."""
        factor = self._factor(front_line)
        shortfall = max(0.0, 76.61 - score)
        parts = {
            "skm_score": score,
            "skm_shortfall_to_b": round(shortfall, 2),
            "skm_weight": self.skm_weight,
            "front_line_factor": factor,
        }
        return round(shortfall / 10 * self.skm_weight * factor, 4), parts


@dataclass(frozen=True)
class GapFinding:
    competency_code: str
    required_level: int
    assessed_level: int
    gap: int
    priority: float
    priority_parts: dict[str, float] = field(default_factory=dict)

    def need(self, *, nip: str, unit_code: str, competency_name: str, fiscal_year: int) -> NeedSpec:
        return NeedSpec(
            need_id=need_id(fiscal_year, nip, self.competency_code),
            nip=nip,
            unit_code=unit_code,
            competency_code=self.competency_code,
            competency_name=competency_name,
            source=NeedSource.COMPETENCY_GAP,
            fiscal_year=fiscal_year,
            priority=self.priority,
            priority_parts=self.priority_parts,
            gap=self.gap,
            required_level=self.required_level,
            assessed_level=self.assessed_level,
        )


def has_gap(required_level: int, assessed: Assessment) -> bool:
    return required_level > assessed.level


def analyse_gap(
    competency: Competency,
    required_level: int,
    assessed: Assessment,
    *,
    front_line: bool,
    policy: PriorityPolicy,
    performance_gap: float = 0.0,
) -> GapFinding | None:
    """A need exists where the required level exceeds the assessed one."""
    if not has_gap(required_level, assessed):
        return None
    gap = required_level - assessed.level
    priority, parts = policy.score(gap, competency.weight, front_line, performance_gap)
    return GapFinding(competency.code, required_level, assessed.level, gap, priority, parts)


def performance_gap(target: float, realisation: float) -> float:
    """SKP: percentage points of the target not realised (0 when met or exceeded)."""
    if target <= 0:
        return 0.0
    return round(max(0.0, (target - realisation) / target * 100), 2)


def fiscal_year_of(day: date) -> int:
    """Indonesian government fiscal years follow the calendar year."""
    return day.year


def need_id(fiscal_year: int, nip: str, competency_code: str) -> str:
    """One need per employee, competency and fiscal year; a later finding supersedes it."""
    return f"{fiscal_year}-{nip}-{competency_code}"


# --- Needs from every source, in one shape --------------------------------------------------------


class NeedStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class NeedSpec:
    """What a source says is needed; the application opens, updates or leaves the need accordingly."""

    need_id: str
    nip: str | None
    unit_code: str
    competency_code: str
    competency_name: str
    source: NeedSource
    fiscal_year: int
    priority: float
    priority_parts: dict[str, float]
    gap: int = 0
    required_level: int | None = None
    assessed_level: int | None = None
    recommended_form: str | None = None
    reason: str | None = None
    barriers: tuple[str, ...] = ()
    program_code: str | None = None  # the programme that did not transfer (evaluation follow-ups)

    def _facts(self) -> tuple[object, ...]:
        return (
            self.required_level,
            self.assessed_level,
            self.gap,
            self.recommended_form,
            self.reason,
            self.barriers,
            self.program_code,
        )

    def differs_materially(self, other: NeedSpec, priority_delta: float) -> bool:
        """Worth announcing again: anything but a small move of the priority score."""
        same_facts = self._facts() == other._facts()
        return not same_facts or abs(self.priority - other.priority) >= priority_delta


# --- The yearly minimum of development hours (JP) ----------------------------------------------------

JP_COMPETENCY_NAME = "Pengembangan kompetensi minimal per tahun (JP)"


@dataclass(frozen=True)
class JpRule:
    """PP 11/2017 Pasal 203 ayat (4), as amended by PP 17/2020: at least 20 JP a year. Every JP earned
    counts: the PPPK cap (PP 49/2018, 24 JP a contract year) limits what the training planner gives, not
    what counts (capping what counts never bit, since 24 > 20)."""

    minimum: int

    def shortfall(self, earned: int) -> int:
        return max(0, self.minimum - earned)


def jp_need_id(fiscal_year: int, nip: str) -> str:
    """One JP need per employee and year (a competency need's id, for the JP code)."""
    return need_id(fiscal_year, nip, JP_COMPETENCY_CODE)


def jp_need(
    rule: JpRule, *, nip: str, unit_code: str, fiscal_year: int, earned: int, front_line: bool, policy: PriorityPolicy
) -> NeedSpec | None:
    shortfall = rule.shortfall(earned)
    if shortfall == 0:
        return None
    priority, parts = policy.jp_score(shortfall, rule.minimum, front_line)
    return NeedSpec(
        need_id=jp_need_id(fiscal_year, nip),
        nip=nip,
        unit_code=unit_code,
        competency_code=JP_COMPETENCY_CODE,
        competency_name=JP_COMPETENCY_NAME,
        source=NeedSource.JP_SHORTFALL,
        fiscal_year=fiscal_year,
        priority=priority,
        priority_parts=parts | {"jp_earned": float(earned)},
        reason=f"{earned} dari minimal {rule.minimum} JP tahun {fiscal_year}; kurang {shortfall} JP.",
    )
