"""Pure rules of the training service: the enrolment lifecycle, completion, the catalogue and curricula.
(The planner that places needs into batches is in ``planner``.)"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.domain.errors import Forbidden, Invalid
from shared.domain.identity import Principal, Role
from shared.domain.lifecycle import Lifecycle
from shared.domain.vocabulary import EnrolmentState, NeedSource, training_remedy

# The lifecycle of a seat is part of the published contract, so its states are defined there once.
EnrolmentStatus = EnrolmentState

# Statuses that hold a seat and the money for it; a withdrawal gives both back to the plan.
HOLDS_SEAT = frozenset(
    {
        EnrolmentStatus.PROPOSED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.ATTENDING,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.FAILED,
    }
)
OPEN = frozenset({EnrolmentStatus.PROPOSED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.ATTENDING})

ENROLMENT_MOVES = {
    ("confirm", EnrolmentStatus.PROPOSED): EnrolmentStatus.CONFIRMED,
    ("start", EnrolmentStatus.CONFIRMED): EnrolmentStatus.ATTENDING,
    ("withdraw", EnrolmentStatus.PROPOSED): EnrolmentStatus.WITHDRAWN,
    ("withdraw", EnrolmentStatus.CONFIRMED): EnrolmentStatus.WITHDRAWN,
    ("withdraw", EnrolmentStatus.ATTENDING): EnrolmentStatus.WITHDRAWN,
    ("complete", EnrolmentStatus.ATTENDING): EnrolmentStatus.COMPLETED,
    ("fail", EnrolmentStatus.ATTENDING): EnrolmentStatus.FAILED,
    # When a batch closes: a seat never confirmed lapses; a confirmed participant who never came fails.
    ("lapse", EnrolmentStatus.PROPOSED): EnrolmentStatus.WITHDRAWN,
    ("no_show", EnrolmentStatus.CONFIRMED): EnrolmentStatus.FAILED,
}

ENROLMENT_LIFECYCLE = Lifecycle(
    "Pendaftaran",
    "An enrolment",
    ENROLMENT_MOVES,
    {
        "confirm": ("dikonfirmasi", "confirmed"),
        "start": ("dimulai", "started"),
        "withdraw": ("ditarik", "withdrawn"),
        "complete": ("diselesaikan", "completed"),
        "fail": ("dinyatakan tidak lulus", "failed"),
        "lapse": ("dianggap batal", "lapsed"),
        "no_show": ("dinyatakan tidak hadir", "marked absent"),
    },
)


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


# Development away from one's own desk, in another agency: it runs on a learning agreement with the
# host and ends with the participant's final report (LAN, Model Magang & Pertukaran Pegawai 2020).
PLACEMENT_FORMS = frozenset({"internship", "exchange", "detasering"})


def is_placement(form: str) -> bool:
    return form in PLACEMENT_FORMS


def attendance_pct(attended: int, sessions: int) -> float:
    return round(100.0 * attended / sessions, 1) if sessions else 0.0


@dataclass(frozen=True)
class CompletionReport:
    attendance_pct: float
    pre_score: float | None
    post_score: float | None
    has_learning_agreement: bool = False
    has_final_report: bool = False


@dataclass(frozen=True)
class CompletionVerdict:
    completed: bool
    reasons_id: tuple[str, ...]
    reasons_en: tuple[str, ...]


def judge_completion(offer: ProgramOffer, report: CompletionReport) -> CompletionVerdict:
    """The programme's criteria: minimum attendance, the passing score of the post-test (if it has one),
    and for internships and exchanges an agreed learning plan and a final report."""
    reasons: list[tuple[str, str]] = []
    if report.attendance_pct < offer.min_attendance_pct:
        reasons.append(
            (
                f"Kehadiran {report.attendance_pct:g}% di bawah minimum {offer.min_attendance_pct:g}%.",
                f"Attendance {report.attendance_pct:g}% is below the minimum {offer.min_attendance_pct:g}%.",
            )
        )
    if offer.passing_score is not None and (report.post_score is None or report.post_score < offer.passing_score):
        score_id = "tidak ada" if report.post_score is None else f"{report.post_score:g}"
        score_en = "missing" if report.post_score is None else f"{report.post_score:g}"
        reasons.append(
            (
                f"Nilai post-test {score_id} di bawah batas lulus {offer.passing_score:g}.",
                f"Post-test score {score_en} is below the passing score {offer.passing_score:g}.",
            )
        )
    if is_placement(offer.form) and not report.has_learning_agreement:
        reasons.append(("Belum ada kesepakatan belajar.", "There is no learning agreement."))
    if is_placement(offer.form) and not report.has_final_report:
        reasons.append(("Laporan akhir belum diserahkan.", "The final report has not been submitted."))
    return CompletionVerdict(not reasons, tuple(r[0] for r in reasons), tuple(r[1] for r in reasons))


def certificate_number(enrolment_id: str, completed_on: date) -> str:
    """Stable per enrolment, so repeating the completion call yields the same certificate."""
    digest = hashlib.sha256(enrolment_id.encode()).hexdigest()[:8].upper()
    return f"BKPSDM-MDN/{completed_on.year}/{digest}"


def enrolment_id(batch_code: str, nip: str) -> str:
    """One seat per person per batch: every need the batch serves for that person shares it."""
    return f"{batch_code}:{nip}"


# --- The catalogue: forms of development and their JP (PerLAN 10/2018, LAN conversion guide) ---------

CLASSICAL_FORMS = frozenset({"training", "course", "seminar", "workshop"})
# JP per day of a seminar or workshop, national and international.
JP_PER_DAY = {"seminar": (4, 6), "workshop": (5, 7)}
INTERNATIONAL_TRAINING_BONUS = 0.20


def is_classical(form: str) -> bool:
    return form in CLASSICAL_FORMS


def program_jp(form: str, *, jp: int | None, days: int | None, international: bool) -> int:
    """The JP a programme earns. Seminars and workshops always convert days (4 or 5 JP a day, 6 or 7 when
    international: LAN's conversion of non-structured development under PerLAN 10/2018), so a one-day
    seminar entered as 20 JP cannot meet the whole yearly minimum; a JP figure is accepted only when it
    agrees with the days. A structured training abroad earns its own JP plus 20 %; other forms state
    their JP."""
    if form in JP_PER_DAY:
        if days is None:
            raise Invalid(
                "jp_from_days",
                f"JP {form} dihitung dari jumlah hari (konversi LAN); isi jumlah hari.",
                f"The JP of a {form} come from its days (LAN conversion); give the number of days.",
            )
        national, abroad = JP_PER_DAY[form]
        per_day = abroad if international else national
        if jp is not None and jp != days * per_day:
            where_id, where_en = ("internasional", "international") if international else ("nasional", "national")
            raise Invalid(
                "jp_contradicts_days",
                f"{form} {days} hari ({where_id}) bernilai {days * per_day} JP ({per_day} JP per hari menurut "
                f"konversi LAN), bukan {jp} JP. Kosongkan JP atau isi {days * per_day}.",
                f"A {days}-day {where_en} {form} earns {days * per_day} JP ({per_day} JP a day by the LAN "
                f"conversion), not {jp} JP. Leave JP out or give {days * per_day}.",
            )
        return days * per_day
    if jp is None:
        raise Invalid("jp_unknown", "Isi JP program ini.", "Give the JP of this programme.")
    if international and form in ("training", "course"):
        return round(jp * (1 + INTERNATIONAL_TRAINING_BONUS))
    return jp


# --- Curricula co-developed with partners: versions and their review ---------------------------------


class CurriculumStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


CURRICULUM_LIFECYCLE = Lifecycle(
    "Versi kurikulum",
    "A curriculum version",
    {
        ("submit", CurriculumStatus.DRAFT): CurriculumStatus.IN_REVIEW,
        ("approve", CurriculumStatus.IN_REVIEW): CurriculumStatus.APPROVED,
        ("return", CurriculumStatus.IN_REVIEW): CurriculumStatus.DRAFT,
        ("retire", CurriculumStatus.APPROVED): CurriculumStatus.RETIRED,
    },
    {
        "submit": ("diajukan untuk ditinjau", "submitted for review"),
        "approve": ("disetujui", "approved"),
        "return": ("dikembalikan", "returned"),
        "retire": ("dipensiunkan", "retired"),
    },
)


def not_curriculum_owner() -> Forbidden:
    return Forbidden(
        "forbidden",
        "Hanya mitra pemilik kurikulum ini atau BKPSDM yang dapat mengubahnya.",
        "Only the partner institution that owns this curriculum, or BKPSDM, may change it.",
    )


def may_change_curriculum(who: Principal, owner: str | None) -> bool:
    """BKPSDM changes any curriculum; a partner only its own institution's. One without an owner (made
    before curricula had one) is BKPSDM's alone until BKPSDM names its institution."""
    if who.has_any(Role.BKPSDM_ADMIN):
        return True
    return owner is not None and who.has_any(Role.PARTNER) and who.institution == owner


def curriculum_owner(who: Principal, current: str | None, named: str | None) -> str:
    """The institution a curriculum belongs to after ``who`` saves it, naming ``named`` (or not).
    A partner's curricula are its institution's and it cannot hand one to another; BKPSDM names (or
    changes) the owner, and must name it for a curriculum that has none."""
    if who.has_any(Role.BKPSDM_ADMIN):
        owner = named or current
        if owner is None:
            raise Invalid(
                "institution_required",
                "Sebutkan institusi mitra pemilik kurikulum ini.",
                "Name the partner institution this curriculum belongs to.",
            )
        return owner
    if who.institution is None or named not in (None, who.institution) or current not in (None, who.institution):
        raise not_curriculum_owner()
    return who.institution


def ready_to_run(requires_curriculum: bool, curriculum_statuses: list[str]) -> bool:
    """A programme built on a partner's curriculum takes participants only once a version is approved."""
    return not requires_curriculum or CurriculumStatus.APPROVED.value in curriculum_statuses


# --- The implementation plan: phases (tahap) and batches (angkatan) ---------------------------------


class BatchStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"  # before it started; its seats were withdrawn
    CLOSED = "closed"  # every participant judged


class PlannedNeedStatus(StrEnum):
    """A need as the planner sees it."""

    OPEN = "open"  # not decided yet
    PLACED = "placed"
    WAITLISTED = "waitlisted"
    RESOLVED = "resolved"  # met meanwhile: the planner leaves it
    UNIT_LEVEL = "unit_level"  # a need of a whole unit: BKPSDM plans it
    ACTION_ONLY = "action_only"  # a follow-up only the supervisor's or unit head's action remedies


def planned_status(nip: str | None, source: str, barriers: list[str]) -> PlannedNeedStatus:
    """Where an announced need starts. A need of a whole unit is BKPSDM's to plan (a dedicated batch, a
    benchmarking visit); an evaluation follow-up whose barriers are all ACTION_BARRIERS goes to no
    training (the README said training does not fix lack of resources, yet the planner placed it)."""
    if not nip:
        return PlannedNeedStatus.UNIT_LEVEL
    if source == NeedSource.EVALUATION_FOLLOW_UP and training_remedy(barriers) is None:
        return PlannedNeedStatus.ACTION_ONLY
    return PlannedNeedStatus.OPEN


def check_window(
    starts_on: date, ends_on: date, *, within: tuple[date, date] | None = None, fiscal_year: int | None = None
) -> None:
    """A phase lies inside its fiscal year; a batch inside its phase."""
    if ends_on < starts_on:
        raise Invalid(
            "invalid_window",
            "Tanggal selesai tidak boleh sebelum tanggal mulai.",
            "The end date cannot be before the start date.",
        )
    if fiscal_year is not None and not (starts_on.year == ends_on.year == fiscal_year):
        raise Invalid(
            "invalid_window",
            f"Tahap harus berada di dalam tahun anggaran {fiscal_year}.",
            f"A phase must lie within fiscal year {fiscal_year}.",
        )
    if within is not None and not (within[0] <= starts_on and ends_on <= within[1]):
        raise Invalid(
            "invalid_window",
            f"Angkatan harus berada di dalam jadwal tahapnya ({within[0]:%d-%m-%Y} s.d. {within[1]:%d-%m-%Y}).",
            f"A batch must lie within its phase ({within[0]} to {within[1]}).",
        )


# --- Benchmarking hosts -------------------------------------------------------------------------------


class HostKind(StrEnum):
    REGION = "region"  # a regency or city government (pemerintah daerah)
    AGENCY = "agency"  # a ministry, agency or service unit


def check_host_for(form: str, host_code: str | None, registered: bool) -> None:
    """A benchmarking visit (patok banding) goes to a host chosen from the register, for its evidence of
    serving the public well with IT; other forms name no host from it."""
    if form != "benchmarking_visit":
        return
    if host_code is None or not registered:
        raise Invalid(
            "host_required",
            "Angkatan patok banding harus menyebut tuan rumah yang terdaftar (host_code) beserta buktinya.",
            "A benchmarking-visit batch must name a registered host (host_code) with its evidence.",
        )
