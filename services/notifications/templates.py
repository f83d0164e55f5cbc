"""Message templates per event type, in Bahasa Indonesia and English. Pure: payload in, text out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.events import EvaluationSubmitted, NeedIdentified, ProgramCompleted

_NAMESPACE = uuid.UUID("6f1d1a8e-3c0b-4a59-9a53-5b3c1f0e7d21")


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class Notice:
    recipient_nip: str
    role: str  # why this person hears about it: employee, supervisor
    id: Text
    en: Text


def message_id(event_id: str, recipient_nip: str, channel: str) -> str:
    """Exactly one message per (event, recipient, channel), however often the event is delivered."""
    return str(uuid.uuid5(_NAMESPACE, f"{event_id}|{recipient_nip}|{channel}"))


FORM_NAMES = {
    "coaching": ("coaching", "coaching"),
    "mentoring": ("mentoring", "mentoring"),
    "internship": ("magang", "an internship"),
    "refresher": ("pelatihan penyegaran", "a refresher course"),
    "training": ("pelatihan klasikal", "classroom training"),
    "e_learning": ("e-learning", "e-learning"),
}


def _need_subject(e: NeedIdentified) -> tuple[str, str]:
    """What the need is about, in words a civil servant reads at a glance, for each source."""
    competency = f"{e.competency_code} {e.competency_name}"
    if e.source == "jp_shortfall":
        shortfall, minimum = int(e.priority_parts.get("jp_shortfall", 0)), int(e.priority_parts.get("jp_minimum", 20))
        return (
            f"pemenuhan minimal {minimum} JP pengembangan kompetensi (kurang {shortfall} JP)",
            f"the yearly minimum of {minimum} JP of development ({shortfall} JP short)",
        )
    if e.source == "evaluation_follow_up":
        return f"tindak lanjut pelatihan {competency}", f"a follow-up to your training in {competency}"
    if e.source == "unit_request":
        return f"kompetensi {competency} atas permintaan unit Anda", f"{competency}, requested by your unit"
    return (
        f"kompetensi {competency} (level {e.assessed_level} -> {e.required_level})",
        f"{competency} (level {e.assessed_level} -> {e.required_level})",
    )


def need_identified(e: NeedIdentified) -> list[Notice]:
    if e.nip is None:
        return []
    what_id, what_en = _need_subject(e)
    form_id, form_en = FORM_NAMES.get(e.recommended_form or "", (e.recommended_form, e.recommended_form))
    advice_id = f" Bentuk pengembangan yang disarankan: {form_id}." if form_id else ""
    advice_en = f" Recommended form of development: {form_en}." if form_en else ""
    notices = [
        Notice(
            e.nip,
            "employee",
            Text(
                f"Kebutuhan pengembangan: {e.competency_name}",
                f"Tahun anggaran {e.fiscal_year}, Anda memerlukan pengembangan {what_id}.{advice_id} BKPSDM akan "
                f"menempatkan Anda pada program yang sesuai; pantau undangan pelatihan Anda.",
            ),
            Text(
                f"Development need: {e.competency_name}",
                f"For fiscal year {e.fiscal_year} you need development in {what_en}.{advice_en} BKPSDM will place "
                f"you in a suitable programme; watch for your training invitation.",
            ),
        )
    ]
    if e.supervisor_nip:
        notices.append(
            Notice(
                e.supervisor_nip,
                "supervisor",
                Text(
                    f"Kebutuhan pengembangan bawahan: NIP {e.nip}",
                    f"Pegawai NIP {e.nip} memerlukan pengembangan {what_id}.{advice_id} Dukung keikutsertaannya "
                    f"dalam program yang ditetapkan BKPSDM.",
                ),
                Text(
                    f"Development need of your staff member: NIP {e.nip}",
                    f"Employee NIP {e.nip} needs development in {what_en}.{advice_en} Please support their "
                    f"participation in the programme BKPSDM assigns.",
                ),
            )
        )
    return notices


def program_completed(e: ProgramCompleted) -> list[Notice]:
    return [
        Notice(
            e.nip,
            "employee",
            Text(
                f"Selamat, Anda menyelesaikan {e.program_title}",
                f"Anda telah menyelesaikan {e.program_title} ({e.jp} JP), sertifikat {e.certificate_number}. "
                f"Isi evaluasi reaksi (level 1) dalam 7 hari melalui menu Evaluasi.",
            ),
            Text(
                f"Congratulations, you completed {e.program_title}",
                f"You completed {e.program_title} ({e.jp} JP), certificate {e.certificate_number}. "
                f"Please fill in the reaction evaluation (level 1) within 7 days under Evaluations.",
            ),
        )
    ]


def evaluation_submitted(e: EvaluationSubmitted) -> list[Notice]:
    return [
        Notice(
            e.nip,
            "employee",
            Text(
                f"Evaluasi level {e.level} diterima",
                f"Evaluasi level {e.level} untuk program {e.program_code} telah diterima dengan skor "
                f"{e.score:g}/100. Terima kasih; tidak ada tindakan lain yang diperlukan.",
            ),
            Text(
                f"Level {e.level} evaluation received",
                f"The level {e.level} evaluation for programme {e.program_code} was received with a score of "
                f"{e.score:g}/100. Thank you; nothing else is needed from you.",
            ),
        )
    ]
