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


def need_identified(e: NeedIdentified) -> list[Notice]:
    if e.nip is None:
        return []
    level = f"level {e.assessed_level} -> {e.required_level}" if e.required_level else ""
    notices = [
        Notice(
            e.nip,
            "employee",
            Text(
                f"Kebutuhan pengembangan: {e.competency_name}",
                f"Hasil analisis menunjukkan kebutuhan pengembangan kompetensi {e.competency_code} "
                f"{e.competency_name} ({level}) untuk tahun anggaran {e.fiscal_year}. BKPSDM akan menempatkan "
                f"Anda pada program yang sesuai; pantau undangan pelatihan Anda.",
            ),
            Text(
                f"Development need: {e.competency_name}",
                f"The analysis shows a development need in {e.competency_code} {e.competency_name} ({level}) "
                f"for fiscal year {e.fiscal_year}. BKPSDM will place you in a suitable programme; watch for "
                f"your training invitation.",
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
                    f"Pegawai NIP {e.nip} memerlukan pengembangan kompetensi {e.competency_code} {e.competency_name} "
                    f"({level}). Dukung keikutsertaannya dalam program yang ditetapkan BKPSDM.",
                ),
                Text(
                    f"Development need of your staff member: NIP {e.nip}",
                    f"Employee NIP {e.nip} needs development in {e.competency_code} {e.competency_name} ({level}). "
                    f"Please support their participation in the programme BKPSDM assigns.",
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
