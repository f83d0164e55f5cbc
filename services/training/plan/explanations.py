"""What the planner says about each decision, in Bahasa Indonesia and English: why a need waits (its
blocker) and why it was placed where it was. Kept apart from the rules in ``planner``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from shared.domain.vocabulary import JP_COMPETENCY_CODE

if TYPE_CHECKING:
    from services.training.plan.model import Batch, Need


class Blocker(StrEnum):
    NO_PROGRAMME = "no_programme"
    NO_BATCH = "no_batch"
    SEAT_BEFORE = "seat_before"
    OVERLAP = "overlap"
    CAPACITY = "capacity"
    PHASE_CAPACITY = "phase_capacity"
    BUDGET = "budget"
    FAIR_SHARE = "fair_share"
    NO_LEVEL = "no_level"  # the need names no required level: the planner does not guess one
    NO_FORM = "no_form"  # programmes cover it, but none of the form its remedy calls for
    JP_CAP = "jp_cap"  # a PPPK would be given more than the yearly cap


@dataclass(frozen=True)
class Explanation:
    id: str
    en: str


BEYOND_SHARE = Explanation(
    "Melebihi jatah wajar unit karena kursi masih tersisa setelah semua unit dipertimbangkan.",
    "Beyond the unit's fair share because seats remained after every unit was considered.",
)


def forms_text(need: Need) -> tuple[str, str]:
    """How the remedy restricts the programmes, for the explanations ("" when it does not)."""
    text_id = text_en = ""
    if need.forms is not None:
        forms = ", ".join(sorted(need.forms))
        text_id, text_en = f" berbentuk {forms}", f" of the form {forms}"
    if need.excluded_program:
        text_id += f" selain {need.excluded_program} (materinya tidak sesuai pekerjaan)"
        text_en += f" other than {need.excluded_program} (its content did not fit the job)"
    return text_id, text_en


# Why a need waits, by blocker: templates filled in per need (built once: a big run words thousands).
BLOCKER_TEXTS: dict[Blocker, tuple[str, str]] = {
    Blocker.NO_PROGRAMME: (
        "Belum ada program siap{fi} yang mencakup {c} sampai level {level}.",
        "No ready programme{fe} covers {c} up to level {level}.",
    ),
    Blocker.NO_BATCH: (
        "Program yang sesuai{fi} ada, tetapi tidak ada angkatannya tahun ini yang belum dimulai.",
        "Fitting programmes{fe} exist but none of their batches this year is still to start.",
    ),
    Blocker.NO_LEVEL: (
        "Level yang dibutuhkan untuk {c} tidak diketahui; lengkapi standar kompetensi jabatan pegawai.",
        "The level needed in {c} is not known; complete the standard of the employee's position.",
    ),
    Blocker.NO_FORM: (
        "Ada program yang mencakup {c} sampai level {level}, tetapi tidak ada program siap{fi} yang "
        "dibutuhkan tindak lanjut ini.",
        "Programmes cover {c} up to level {level}, but no ready programme{fe} that this follow-up calls for.",
    ),
    Blocker.JP_CAP: (
        "Angkatan {b} akan membuat pengembangan PPPK ini melebihi {cap} JP setahun (PP 49/2018); kebutuhan "
        "ini menunggu tahun perjanjian kerja berikutnya.",
        "Batch {b} would take this PPPK's development past {cap} JP a year (PP 49/2018); the need waits for "
        "the next contract year.",
    ),
    Blocker.SEAT_BEFORE: (
        "Pegawai sudah pernah memiliki kursi di angkatan {b} (ditarik, selesai atau tidak lulus); ia tidak "
        "diusulkan lagi ke sana.",
        "The employee had a seat in batch {b} before (withdrawn, completed or failed); they are not proposed "
        "there again.",
    ),
    Blocker.OVERLAP: (
        "Jadwal angkatan {b} bertabrakan dengan angkatan lain yang diikuti pegawai.",
        "Batch {b} overlaps another batch the employee attends.",
    ),
    Blocker.CAPACITY: ("Angkatan {b} sudah penuh.", "Batch {b} is full."),
    Blocker.PHASE_CAPACITY: (
        "Kapasitas peserta tahap angkatan {b} sudah penuh.",
        "The participant capacity of the phase of batch {b} is used up.",
    ),
    Blocker.BUDGET: (
        "Anggaran tahap angkatan {b} tidak cukup untuk satu peserta lagi.",
        "The budget of the phase of batch {b} cannot pay for another participant.",
    ),
    Blocker.FAIR_SHARE: (
        "Unit {u} sudah memakai jatah wajarnya di angkatan {b}.",
        "Unit {u} already has its fair share of batch {b}.",
    ),
}


def blocker_text(blocker: Blocker, batch: Batch | None, need: Need, cap: int) -> Explanation:
    forms_id, forms_en = forms_text(need)
    text_id, text_en = BLOCKER_TEXTS[blocker]
    if blocker in (Blocker.NO_PROGRAMME, Blocker.NO_BATCH) and need.competency_code == JP_COMPETENCY_CODE:
        text_id = (
            "Belum ada angkatan, atau gabungan angkatan tanpa jadwal bertabrakan, yang memberi sedikitnya {jp} JP."
        )
        text_en = "No batch, nor combination of batches that do not overlap, earns at least {jp} JP."
    values = {
        "b": batch.code if batch else "",
        "c": need.competency_code,
        "level": need.required_level,
        "u": need.unit_code,
        "jp": need.jp_shortfall or 1,
        "fi": forms_id,
        "fe": forms_en,
        "cap": cap,
    }
    return Explanation(text_id.format(**values), text_en.format(**values))


def placed_text(need: Need, batch: Batch, rank: int, joined: bool, note: Explanation | None) -> Explanation:
    program = batch.program
    if need.competency_code == JP_COMPETENCY_CODE:
        what_id = f"memberi {program.jp} JP (kurang {need.jp_shortfall or 0} JP)"
        what_en = f"earns {program.jp} JP ({need.jp_shortfall or 0} JP short)"
    else:
        reach = program.competencies[need.competency_code]
        what_id = f"mencakup {need.competency_code} sampai level {reach} (dibutuhkan {need.required_level})"
        what_en = f"covers {need.competency_code} up to level {reach} ({need.required_level} needed)"
    text_id = (
        f"Urutan prioritas {rank} (skor {need.priority:g}). Angkatan {batch.code} program {program.code} "
        f"{what_id}, {batch.starts_on:%d-%m-%Y} s.d. {batch.ends_on:%d-%m-%Y}."
    )
    text_en = (
        f"Priority rank {rank} (score {need.priority:g}). Batch {batch.code} of programme {program.code} "
        f"{what_en}, {batch.starts_on:%Y-%m-%d} to {batch.ends_on:%Y-%m-%d}."
    )
    if need.forms is not None or need.excluded_program:
        forms_id, forms_en = forms_text(need)
        text_id += f" Tindak lanjut evaluasi: program{forms_id}."
        text_en += f" Evaluation follow-up: a programme{forms_en}."
    if joined:
        text_id += " Pegawai sudah terdaftar di angkatan ini; tidak menambah kursi atau biaya."
        text_en += " The employee already holds a seat in this batch; no extra seat or cost."
    if note:
        text_id, text_en = f"{text_id} {note.id}", f"{text_en} {note.en}"
    return Explanation(text_id, text_en)


def combined_text(need: Need, batches: tuple[Batch, ...], rank: int) -> Explanation:
    """A JP shortfall met by several batches: each one named, with its JP and dates."""
    total = sum(b.program.jp for b in batches)
    parts_id = "; ".join(
        f"{b.code} (program {b.program.code}, {b.program.jp} JP, {b.starts_on:%d-%m-%Y} s.d. {b.ends_on:%d-%m-%Y})"
        for b in batches
    )
    parts_en = "; ".join(
        f"{b.code} (programme {b.program.code}, {b.program.jp} JP, {b.starts_on:%Y-%m-%d} to {b.ends_on:%Y-%m-%d})"
        for b in batches
    )
    return Explanation(
        f"Urutan prioritas {rank} (skor {need.priority:g}). Kekurangan {need.jp_shortfall} JP dipenuhi gabungan "
        f"{len(batches)} angkatan, total {total} JP, jadwal tidak bertabrakan: {parts_id}.",
        f"Priority rank {rank} (score {need.priority:g}). The {need.jp_shortfall} JP short are met by "
        f"{len(batches)} batches together, {total} JP in all, none overlapping: {parts_en}.",
    )
