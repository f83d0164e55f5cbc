"""Pure rules of the training service: which programme fits a need, and who has completed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"


@dataclass(frozen=True)
class ProgramOffer:
    code: str
    title: str
    form: str
    competencies: dict[str, int]  # competency code -> level the programme brings a participant to
    jp: int
    cost_per_participant: float
    min_attendance_pct: float
    passing_score: float | None


@dataclass(frozen=True)
class Placement:
    program: ProgramOffer | None
    reason_id: str
    reason_en: str


def choose_program(offers: list[ProgramOffer], competency_code: str, required_level: int | None) -> Placement:
    """The programme that covers the competency at the needed level with the least overshoot, then the
    lowest cost, then the code (so the choice is stable). No fit means waitlisted, with the reason."""
    needed = required_level or 1
    fitting = [o for o in offers if o.competencies.get(competency_code, 0) >= needed]
    if not fitting:
        return Placement(
            None,
            f"Belum ada program aktif yang mencakup {competency_code} sampai level {needed}.",
            f"No active programme covers {competency_code} up to level {needed} yet.",
        )
    best = min(fitting, key=lambda o: (o.competencies[competency_code] - needed, o.cost_per_participant, o.code))
    return Placement(
        best,
        f"Program {best.code} mencakup {competency_code} sampai level {best.competencies[competency_code]}.",
        f"Programme {best.code} covers {competency_code} up to level {best.competencies[competency_code]}.",
    )


@dataclass(frozen=True)
class CompletionReport:
    attendance_pct: float
    pre_score: float | None
    post_score: float | None
    started_on: date
    completed_on: date


@dataclass(frozen=True)
class CompletionVerdict:
    completed: bool
    reasons_id: tuple[str, ...]
    reasons_en: tuple[str, ...]


def judge_completion(offer: ProgramOffer, report: CompletionReport) -> CompletionVerdict:
    reasons_id: list[str] = []
    reasons_en: list[str] = []
    if report.attendance_pct < offer.min_attendance_pct:
        reasons_id.append(f"Kehadiran {report.attendance_pct:g}% di bawah minimum {offer.min_attendance_pct:g}%.")
        reasons_en.append(f"Attendance {report.attendance_pct:g}% is below the minimum {offer.min_attendance_pct:g}%.")
    if offer.passing_score is not None and (report.post_score is None or report.post_score < offer.passing_score):
        shown = "tidak ada" if report.post_score is None else f"{report.post_score:g}"
        reasons_id.append(f"Nilai post-test {shown} di bawah batas lulus {offer.passing_score:g}.")
        reasons_en.append(
            f"Post-test score {'missing' if report.post_score is None else f'{report.post_score:g}'} "
            f"is below the passing score {offer.passing_score:g}."
        )
    return CompletionVerdict(not reasons_en, tuple(reasons_id), tuple(reasons_en))


def certificate_number(enrolment_id: str, completed_on: date) -> str:
    """Stable per enrolment, so repeating the completion call yields the same certificate."""
    digest = hashlib.sha256(enrolment_id.encode()).hexdigest()[:8].upper()
    return f"BKPSDM-MDN/{completed_on.year}/{digest}"


def enrolment_id_for_need(need_id: str) -> str:
    """One enrolment per need: a redelivered NeedIdentified finds the enrolment it already made."""
    return f"enr-{need_id}"


# --- The catalogue: forms of development and their JP (PerLAN 10/2018, LAN conversion guide) ---------

CLASSICAL_FORMS = frozenset({"training", "course", "seminar", "workshop"})
# JP per day of a seminar or workshop, national and international.
JP_PER_DAY = {"seminar": (4, 6), "workshop": (5, 7)}
INTERNATIONAL_TRAINING_BONUS = 0.20


class CatalogueError(ValueError):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


def is_classical(form: str) -> bool:
    return form in CLASSICAL_FORMS


def program_jp(form: str, *, jp: int | None, days: int | None, international: bool) -> int:
    """The JP a programme earns. Seminars and workshops convert days (4 or 5 JP a day, 6 or 7 when
    international); a structured training abroad earns its own JP plus 20 %; other forms state their JP."""
    if form in JP_PER_DAY:
        if days is None:
            if jp is None:
                raise CatalogueError(
                    f"Isi jumlah hari {form} agar JP dapat dihitung.",
                    f"Give the number of days of the {form} so its JP can be converted.",
                )
            return jp
        national, abroad = JP_PER_DAY[form]
        return days * (abroad if international else national)
    if jp is None:
        raise CatalogueError("Isi JP program ini.", "Give the JP of this programme.")
    if international and form in ("training", "course"):
        return round(jp * (1 + INTERNATIONAL_TRAINING_BONUS))
    return jp


# --- Curricula co-developed with partners: versions and their review ---------------------------------


class CurriculumStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


CURRICULUM_TRANSITIONS = {
    ("submit", CurriculumStatus.DRAFT): CurriculumStatus.IN_REVIEW,
    ("approve", CurriculumStatus.IN_REVIEW): CurriculumStatus.APPROVED,
    ("return", CurriculumStatus.IN_REVIEW): CurriculumStatus.DRAFT,
    ("retire", CurriculumStatus.APPROVED): CurriculumStatus.RETIRED,
}


_DONE = {
    "submit": ("diajukan untuk ditinjau", "submitted for review"),
    "approve": ("disetujui", "approved"),
    "return": ("dikembalikan", "returned"),
    "retire": ("dipensiunkan", "retired"),
}


def next_curriculum_status(action: str, status: CurriculumStatus) -> CurriculumStatus:
    try:
        return CURRICULUM_TRANSITIONS[(action, status)]
    except KeyError:
        done_id, done_en = _DONE[action]
        raise CatalogueError(
            f"Versi kurikulum berstatus {status.value} tidak dapat {done_id}.",
            f"A curriculum version that is {status.value} cannot be {done_en}.",
        ) from None


def ready_to_run(requires_curriculum: bool, curriculum_statuses: list[str]) -> bool:
    """A programme built on a partner's curriculum takes participants only once a version is approved."""
    return not requires_curriculum or CurriculumStatus.APPROVED.value in curriculum_statuses
