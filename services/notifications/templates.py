"""Message templates per event type, in Bahasa Indonesia and English. Pure: payload in, text out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from shared.events import EnrolmentChanged, EvaluationSubmitted, NeedIdentified, ProgramCompleted

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


def enrolment_changed(e: EnrolmentChanged) -> list[Notice]:
    """A seat proposed, confirmed, withdrawn or failed. Starting to attend needs no message, and a
    completion is told by ProgramCompleted (with its certificate)."""
    when_id = f"{e.starts_on:%d-%m-%Y} s.d. {e.ends_on:%d-%m-%Y}"
    when_en = f"{e.starts_on:%Y-%m-%d} to {e.ends_on:%Y-%m-%d}"
    where_id = f" di {e.location}" if e.location else ""
    where_en = f" at {e.location}" if e.location else ""
    what_id = f"{e.program_title} angkatan {e.batch_code} ({when_id}{where_id})"
    what_en = f"{e.program_title}, batch {e.batch_code} ({when_en}{where_en})"
    why_id = f" Alasan: {e.reason}" if e.reason else ""
    why_en = f" Reason: {e.reason_en}" if e.reason_en else ""
    confirm_by = e.starts_on - timedelta(days=7)
    texts = {
        "proposed": (
            Text(
                f"Usulan kursi pelatihan: {e.program_title}",
                f"Anda diusulkan mengikuti {what_id}. Konfirmasi kesediaan Anda melalui menu Pelatihan paling "
                f"lambat {confirm_by:%d-%m-%Y}, atau ajukan pengunduran diri dengan alasannya.",
            ),
            Text(
                f"Training seat proposed: {e.program_title}",
                f"You are proposed for {what_en}. Confirm under Training by {confirm_by:%Y-%m-%d}, or withdraw "
                f"giving your reason.",
            ),
        ),
        "confirmed": (
            Text(
                f"Kursi pelatihan terkonfirmasi: {e.program_title}",
                f"Keikutsertaan Anda dalam {what_id} telah dikonfirmasi. Hadir di setiap sesi: kehadiran "
                f"menentukan kelulusan.",
            ),
            Text(
                f"Training seat confirmed: {e.program_title}",
                f"Your place in {what_en} is confirmed. Attend every session: attendance decides completion.",
            ),
        ),
        "withdrawn": (
            Text(
                f"Kursi pelatihan dibatalkan: {e.program_title}",
                f"Kursi Anda di {what_id} dibatalkan.{why_id} Kebutuhan pengembangan Anda dijadwalkan ulang "
                f"oleh BKPSDM; tidak ada tindakan yang diperlukan.",
            ),
            Text(
                f"Training seat cancelled: {e.program_title}",
                f"Your place in {what_en} was cancelled.{why_en} BKPSDM plans your development need again; "
                f"nothing is needed from you.",
            ),
        ),
        "failed": (
            Text(
                f"Pelatihan belum selesai: {e.program_title}",
                f"Anda belum memenuhi syarat kelulusan {what_id}.{why_id} Bicarakan dengan atasan Anda "
                f"langkah berikutnya.",
            ),
            Text(
                f"Training not completed: {e.program_title}",
                f"You did not meet the completion criteria of {what_en}.{why_en} Talk with your supervisor "
                f"about the next step.",
            ),
        ),
    }
    if e.status not in texts:
        return []
    text_id, text_en = texts[e.status]
    notices = [Notice(e.nip, "employee", text_id, text_en)]
    supervisor = {
        "proposed": ("diusulkan mengikuti", "is proposed for", "Dukung keikutsertaannya.", "Please support it."),
        "withdrawn": ("batal mengikuti", "no longer takes part in", "Tidak ada tindakan.", "Nothing to do."),
        "failed": (
            "belum memenuhi syarat kelulusan",
            "did not meet the completion criteria of",
            "Bicarakan langkah berikutnya dengan pegawai.",
            "Talk with them about the next step.",
        ),
    }
    if e.supervisor_nip and e.status in supervisor:
        verb_id, verb_en, act_id, act_en = supervisor[e.status]
        notices.append(
            Notice(
                e.supervisor_nip,
                "supervisor",
                Text(f"Pelatihan bawahan: NIP {e.nip}", f"Pegawai NIP {e.nip} {verb_id} {what_id}.{why_id} {act_id}"),
                Text(
                    f"Training of your staff member: NIP {e.nip}",
                    f"Employee NIP {e.nip} {verb_en} {what_en}.{why_en} {act_en}",
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
