"""What evaluators, participants and BKPSDM are told of evaluations: submitted, due, escalated; and owners
of the remedy actions they open."""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain import Audience, BkpsdmAdmins, Notice, Person, Text, UnitHeads
from shared.events import (
    AdoptionItemOpened,
    EvaluationDue,
    EvaluationEscalated,
    EvaluationSubmitted,
    EvaluatorRole,
    RemedyActionOpened,
    ReminderKind,
)


def evaluation_submitted(e: EvaluationSubmitted) -> list[Notice]:
    """A receipt to whoever submitted, worded for their level; the participant also hears their own
    learning gain (level 2), but never a supervisor's or the unit's judgement of them (levels 3-4)."""
    level_id, level_en = LEVEL_NAMES[e.level]
    title_id, title_en = (
        f"Evaluasi level {e.level} ({level_id}) diterima",
        f"Level {e.level} ({level_en}) evaluation received",
    )
    notices = []
    # Level 1 is the participant's own answer, whoever the event names.
    submitter = e.evaluator_nip or (e.nip if e.level == 1 else None)
    if submitter is not None:
        own = submitter == e.nip
        about_id = f"Anda atas program {e.program_code}" if own else f"untuk pegawai NIP {e.nip} ({e.program_code})"
        about_en = f"for programme {e.program_code}" if own else f"of employee NIP {e.nip} ({e.program_code})"
        notices.append(
            Notice(
                Person(submitter),
                "employee" if own else "evaluator",
                Text(
                    title_id,
                    f"Evaluasi {level_id} (level {e.level}) {about_id} telah diterima dengan skor {e.score:g}/100. "
                    f"Terima kasih; tidak ada tindakan lain yang diperlukan.",
                ),
                Text(
                    title_en,
                    f"The level {e.level} ({level_en}) evaluation {about_en} was received with a score of "
                    f"{e.score:g}/100. Thank you; nothing else is needed from you.",
                ),
            )
        )
    if e.level == 2 and submitter != e.nip:
        gain_id = gain_en = ""
        if "pre_score" in e.measures and "post_score" in e.measures:
            pre, post = e.measures["pre_score"], e.measures["post_score"]
            gain_id = f" Nilai pre-test {pre:g}, post-test {post:g}."
            gain_en = f" Pre-test {pre:g}, post-test {post:g}."
        notices.append(
            Notice(
                Person(e.nip),
                "employee",
                Text(
                    f"Hasil belajar Anda: {e.program_code}",
                    f"Peningkatan hasil belajar Anda pada program {e.program_code} tercatat dengan skor "
                    f"{e.score:g}/100.{gain_id} Tidak ada tindakan yang diperlukan.",
                ),
                Text(
                    f"Your learning gain: {e.program_code}",
                    f"Your learning gain in programme {e.program_code} was recorded with a score of "
                    f"{e.score:g}/100.{gain_en} Nothing is needed from you.",
                ),
            )
        )
    return notices


LEVEL_NAMES = {
    1: ("reaksi", "reaction"),
    2: ("pembelajaran", "learning"),
    3: ("perilaku", "behaviour"),
    4: ("hasil", "results"),
}
BARRIER_NAMES = {
    "lack_of_resources": ("kurangnya sarana", "lack of resources"),
    "no_opportunity_to_apply": ("tidak ada kesempatan menerapkan", "no opportunity to apply"),
    "lack_of_support": ("kurangnya dukungan", "lack of support"),
    "transfer_or_promotion": ("mutasi atau promosi", "transfer or promotion"),
    "content_mismatch": ("materi tidak sesuai tugas", "content does not match the job"),
    "own_ability": ("kemampuan diri", "own ability"),
}
# How long BKPSDM has to decide on an escalation; the event names no deadline, the message must.
ESCALATION_DECISION_DAYS = 14


def _evaluator(e: EvaluationDue) -> tuple[Audience, str]:
    """Who owes the answer: the participant, the named supervisor (the unit head stands in when none is
    on record, as in the evaluation service), the unit's head, or BKPSDM."""
    if e.evaluator_role is EvaluatorRole.PARTICIPANT:
        return Person(e.nip), "employee"
    if e.evaluator_role is EvaluatorRole.SUPERVISOR and e.evaluator_nip:
        return Person(e.evaluator_nip), "supervisor"
    if e.evaluator_role is EvaluatorRole.BKPSDM:
        return BkpsdmAdmins(), "bkpsdm"
    return UnitHeads(e.unit_code), "unit_head"


def evaluation_due(e: EvaluationDue) -> list[Notice]:
    """The evaluator is asked to answer by the due date; once overdue, BKPSDM hears about it too."""
    level_id, level_en = LEVEL_NAMES[e.level]
    program = e.program_title or e.program_code
    to, role = _evaluator(e)
    own = role == "employee"
    about_id = "pelatihan Anda" if own else f"pegawai NIP {e.nip}"
    about_en = "your training" if own else f"employee NIP {e.nip}"
    if e.kind is ReminderKind.DUE:
        text_id = Text(
            f"Evaluasi level {e.level} ({level_id}) menunggu Anda: {program}",
            f"Evaluasi level {e.level} ({level_id}) atas {program} untuk {about_id} dapat diisi sejak "
            f"{e.opens_on:%d-%m-%Y}. Isi melalui menu Evaluasi paling lambat {e.due_on:%d-%m-%Y}.",
        )
        text_en = Text(
            f"Level {e.level} ({level_en}) evaluation awaits you: {program}",
            f"The level {e.level} ({level_en}) evaluation of {program} for {about_en} can be answered since "
            f"{e.opens_on:%Y-%m-%d}. Answer it under Evaluations by {e.due_on:%Y-%m-%d}.",
        )
    else:
        text_id = Text(
            f"Evaluasi level {e.level} ({level_id}) terlambat: {program}",
            f"Batas waktu evaluasi level {e.level} ({level_id}) atas {program} untuk {about_id} telah lewat "
            f"({e.due_on:%d-%m-%Y}). Isi segera melalui menu Evaluasi, hari ini juga.",
        )
        text_en = Text(
            f"Level {e.level} ({level_en}) evaluation overdue: {program}",
            f"The level {e.level} ({level_en}) evaluation of {program} for {about_en} was due on "
            f"{e.due_on:%Y-%m-%d}. Answer it under Evaluations today.",
        )
    notices = [Notice(to, role, text_id, text_en)]
    if e.kind is ReminderKind.OVERDUE:
        notices.append(
            Notice(
                BkpsdmAdmins(),
                "bkpsdm",
                Text(
                    f"Evaluasi terlambat: level {e.level}, NIP {e.nip}",
                    f"Evaluasi level {e.level} ({level_id}) atas {program} untuk pegawai NIP {e.nip} (unit "
                    f"{e.unit_code}) belum diisi oleh {_WHO_ID[e.evaluator_role]} sejak batas waktu "
                    f"{e.due_on:%d-%m-%Y}. Hubungi penilai minggu ini agar tingkat respons unit tidak turun.",
                ),
                Text(
                    f"Evaluation overdue: level {e.level}, NIP {e.nip}",
                    f"The level {e.level} ({level_en}) evaluation of {program} for employee NIP {e.nip} (unit "
                    f"{e.unit_code}) has not been answered by {_WHO_EN[e.evaluator_role]} since it was due on "
                    f"{e.due_on:%Y-%m-%d}. Contact the evaluator this week so the unit's response rate holds.",
                ),
            )
        )
    return notices


_WHO_ID = {
    EvaluatorRole.PARTICIPANT: "peserta",
    EvaluatorRole.SUPERVISOR: "atasan langsung",
    EvaluatorRole.UNIT: "kepala unit",
    EvaluatorRole.BKPSDM: "BKPSDM",
}
_WHO_EN = {
    EvaluatorRole.PARTICIPANT: "the participant",
    EvaluatorRole.SUPERVISOR: "the supervisor",
    EvaluatorRole.UNIT: "the unit head",
    EvaluatorRole.BKPSDM: "BKPSDM",
}


def evaluation_escalated(e: EvaluationEscalated) -> list[Notice]:
    """BKPSDM decides; the supervisor and the unit head are told, since they will carry the decision."""
    decide_by = e.escalated_at.date() + timedelta(days=ESCALATION_DECISION_DAYS)
    competencies = ", ".join(e.competency_codes)
    barriers_id = ", ".join(BARRIER_NAMES.get(b.value, (b.value, b.value))[0] for b in e.barriers) or "-"
    barriers_en = ", ".join(BARRIER_NAMES.get(b.value, (b.value, b.value))[1] for b in e.barriers) or "-"
    facts_id = (
        f"Pegawai NIP {e.nip} (unit {e.unit_code}) kembali kesulitan menerapkan {competencies} setelah program "
        f"tindak lanjut {e.program_code}. Hambatan: {barriers_id}."
    )
    facts_en = (
        f"Employee NIP {e.nip} (unit {e.unit_code}) again struggles to apply {competencies} after the follow-up "
        f"programme {e.program_code}. Barriers: {barriers_en}."
    )
    title_id, title_en = f"Eskalasi evaluasi: NIP {e.nip}", f"Evaluation escalated: NIP {e.nip}"
    notices = [
        Notice(
            BkpsdmAdmins(),
            "bkpsdm",
            Text(title_id, f"{facts_id} Putuskan langkah berikutnya paling lambat {decide_by:%d-%m-%Y}."),
            Text(title_en, f"{facts_en} Decide on the next step by {decide_by:%Y-%m-%d}."),
        )
    ]
    informed_id = Text(
        title_id,
        f"{facts_id} BKPSDM akan memutuskan langkah berikutnya paling lambat {decide_by:%d-%m-%Y}; "
        f"sampaikan keterangan Anda tentang hambatan tersebut kepada BKPSDM sebelum tanggal itu.",
    )
    informed_en = Text(
        title_en,
        f"{facts_en} BKPSDM will decide on the next step by {decide_by:%Y-%m-%d}; tell BKPSDM what you "
        f"know about these barriers before then.",
    )
    if e.supervisor_nip:
        notices.append(Notice(Person(e.supervisor_nip), "supervisor", informed_id, informed_en))
    notices.append(Notice(UnitHeads(e.unit_code), "unit_head", informed_id, informed_en))
    return notices


def _owner(role: EvaluatorRole, nip: str | None, unit_code: str) -> tuple[Audience, str]:
    """The named supervisor; the unit head when the unit owns it or no supervisor is on record."""
    if role is EvaluatorRole.SUPERVISOR and nip:
        return Person(nip), "supervisor"
    return UnitHeads(unit_code), "unit_head"


# What the owner is asked to do about each barrier training does not remove.
ACTION_ASKS = {
    "lack_of_resources": (
        "sediakan sarana yang dibutuhkan untuk menerapkan hasil pelatihan",
        "provide the means needed to apply the training",
    ),
    "no_opportunity_to_apply": (
        "berikan penugasan yang menerapkan kompetensi hasil pelatihan",
        "assign work that applies the competency trained",
    ),
    "lack_of_support": (
        "dampingi dan dukung pegawai dalam menerapkan hasil pelatihan",
        "back the employee in applying the training",
    ),
}


def remedy_action_opened(e: RemedyActionOpened) -> list[Notice]:
    """The owner (the named supervisor; the unit head when the unit owns it or no supervisor is on record)."""
    to, role = _owner(e.owner_role, e.owner_nip, e.unit_code)
    barrier_id, barrier_en = BARRIER_NAMES.get(e.barrier.value, (e.barrier.value, e.barrier.value))
    ask_id, ask_en = ACTION_ASKS.get(e.barrier.value, (barrier_id, barrier_en))
    return [
        Notice(
            to,
            role,
            Text(
                f"Aksi tindak lanjut untuk Anda: NIP {e.nip}",
                f'Evaluasi level 3 atas program {e.program_code} menemukan hambatan "{barrier_id}" pada pegawai '
                f"NIP {e.nip} (unit {e.unit_code}); pelatihan lagi tidak mengatasinya. Mohon {ask_id}, lalu tutup "
                f"aksi ini di menu Aksi dengan catatan paling lambat {e.due_on:%d-%m-%Y}.",
            ),
            Text(
                f"A remedy action for you: NIP {e.nip}",
                f'The level 3 evaluation of programme {e.program_code} found the barrier "{barrier_en}" for '
                f"employee NIP {e.nip} (unit {e.unit_code}); more training does not remove it. Please {ask_en}, then "
                f"close this action under Actions with a note by {e.due_on:%Y-%m-%d}.",
            ),
        )
    ]


ADOPTION_KIND_NAMES = {
    "practice": ("praktik baik hasil patok banding", "practice from a benchmarking visit"),
    "milestone": ("tonggak aksi perubahan", "change-project milestone"),
    "epp": ("evaluasi pasca pelatihan (EPP) aksi perubahan", "post-training evaluation (EPP) of the change project"),
}


def adoption_item_opened(e: AdoptionItemOpened) -> list[Notice]:
    """The owner: the home unit's head adopts a practice; the supervisor confirms a change-project step
    (the unit head stands in when none is on record)."""
    to, role = _owner(e.owner_role, e.owner_nip, e.unit_code)
    kind_id, kind_en = ADOPTION_KIND_NAMES[e.kind.value]
    if e.kind.value == "practice":
        ask_id = f"Terapkan di unit {e.unit_code} sesuai rencana: {e.plan}."
        ask_en = f"Adopt it in unit {e.unit_code} as planned: {e.plan}."
    else:
        ask_id, ask_en = "Konfirmasi bila langkah ini tercapai.", "Confirm it once this step is reached."
    return [
        Notice(
            to,
            role,
            Text(
                f"{kind_id.capitalize()}: {e.title}",
                f'Pegawai NIP {e.nip} melaporkan {kind_id} "{e.title}" dari program {e.program_code}. {ask_id} '
                f"Catat hasilnya di menu Adopsi paling lambat {e.due_on:%d-%m-%Y}.",
            ),
            Text(
                f"{kind_en.capitalize()}: {e.title}",
                f'Employee NIP {e.nip} reported the {kind_en} "{e.title}" from programme {e.program_code}. '
                f"{ask_en} Record the outcome under Adoption by {e.due_on:%Y-%m-%d}.",
            ),
        )
    ]
