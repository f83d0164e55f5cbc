"""Message templates per event type, in Bahasa Indonesia and English. Pure: payload in, text out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from services.notifications.domain import Audience, BkpsdmAdmins, Notice, Person, Text, UnitHeads
from shared.events import (
    EnrolmentChanged,
    EvaluationDue,
    EvaluationEscalated,
    EvaluationSubmitted,
    EvaluatorRole,
    NeedIdentified,
    NeedResolved,
    NeedSource,
    ProgramCompleted,
    ReminderKind,
)

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
    if e.source == NeedSource.JP_SHORTFALL:
        shortfall, minimum = int(e.priority_parts.get("jp_shortfall", 0)), int(e.priority_parts.get("jp_minimum", 20))
        return (
            f"pemenuhan minimal {minimum} JP pengembangan kompetensi (kurang {shortfall} JP)",
            f"the yearly minimum of {minimum} JP of development ({shortfall} JP short)",
        )
    if e.source == NeedSource.EVALUATION_FOLLOW_UP:
        return f"tindak lanjut pelatihan {competency}", f"a follow-up to your training in {competency}"
    if e.source == NeedSource.UNIT_REQUEST:
        return f"kompetensi {competency} atas permintaan unit Anda", f"{competency}, requested by your unit"
    return (
        f"kompetensi {competency} (level {e.assessed_level} -> {e.required_level})",
        f"{competency} (level {e.assessed_level} -> {e.required_level})",
    )


_BASIS_EN = {
    NeedSource.PUBLIC_SATISFACTION: "the unit's public satisfaction survey (SKM)",
    NeedSource.UNIT_REQUEST: "a request from the unit",
    NeedSource.EVALUATION_FOLLOW_UP: "a training evaluation",
    NeedSource.JP_SHORTFALL: "the yearly JP minimum",
    NeedSource.COMPETENCY_GAP: "a competency assessment",
}


def need_identified(e: NeedIdentified) -> list[Notice]:
    """The employee and their supervisor, and the unit's head (who plans the unit's development). A need
    of the whole unit goes to its head alone."""
    form_id, form_en = FORM_NAMES.get(e.recommended_form or "", (e.recommended_form, e.recommended_form))
    advice_id = f" Bentuk pengembangan yang disarankan: {form_id}." if form_id else ""
    advice_en = f" Recommended form of development: {form_en}." if form_en else ""
    if e.nip is None:
        # The needs service words the reason in Bahasa Indonesia only; English names its kind and quotes it.
        why_id = f" Dasar: {e.reason.rstrip('.')}." if e.reason else ""
        why_en = f' Basis: {_BASIS_EN.get(e.source, "as recorded")} ("{e.reason}").' if e.reason else ""
        return [
            Notice(
                UnitHeads(e.unit_code),
                "unit_head",
                Text(
                    f"Kebutuhan pengembangan unit {e.unit_code}: {e.competency_name}",
                    f"Unit {e.unit_code} memerlukan pengembangan kompetensi {e.competency_code} "
                    f"{e.competency_name} pada tahun anggaran {e.fiscal_year}.{why_id}{advice_id} Usulkan pegawai "
                    f"yang akan mengikutinya kepada BKPSDM sebelum akhir tahun anggaran {e.fiscal_year}.",
                ),
                Text(
                    f"Development need of unit {e.unit_code}: {e.competency_name}",
                    f"Unit {e.unit_code} needs development in {e.competency_code} {e.competency_name} in fiscal "
                    f"year {e.fiscal_year}.{why_en}{advice_en} Name the staff who should take part to BKPSDM before "
                    f"the end of fiscal year {e.fiscal_year}.",
                ),
            )
        ]
    what_id, what_en = _need_subject(e)
    notices = [
        Notice(
            Person(e.nip),
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
                Person(e.supervisor_nip),
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
    notices.append(
        Notice(
            UnitHeads(e.unit_code),
            "unit_head",
            Text(
                f"Kebutuhan pengembangan baru di unit {e.unit_code}: NIP {e.nip}",
                f"Pegawai NIP {e.nip} memerlukan pengembangan {what_id}.{advice_id} Pastikan ia dapat mengikuti "
                f"program yang ditetapkan BKPSDM dalam tahun anggaran {e.fiscal_year}.",
            ),
            Text(
                f"New development need in unit {e.unit_code}: NIP {e.nip}",
                f"Employee NIP {e.nip} needs development in {what_en}.{advice_en} Make sure they can take part in "
                f"the programme BKPSDM assigns within fiscal year {e.fiscal_year}.",
            ),
        )
    )
    return notices


def need_resolved(_: NeedResolved) -> list[Notice]:
    """No one is told (the training service drops the need and its proposed seat, which is told as a
    withdrawal); the event goes to the systems subscribed to it, like every event webhooks accept."""
    return []


def need_facts(e: NeedIdentified) -> dict[str, object]:
    """What the need's messages tell, so a re-announcement can be compared with what was told: not its
    priority, which orders BKPSDM's planning and is in no message."""
    facts: dict[str, object] = {
        "nip": e.nip,
        "unit_code": e.unit_code,
        "supervisor_nip": e.supervisor_nip,
        "competency_code": e.competency_code,
        "competency_name": e.competency_name,
        "required_level": e.required_level,
        "assessed_level": e.assessed_level,
        "source": e.source.value,
        "fiscal_year": e.fiscal_year,
        "recommended_form": e.recommended_form.value if e.recommended_form else None,
        "reason": e.reason,
    }
    if e.source == NeedSource.JP_SHORTFALL:
        facts["jp_shortfall"] = int(e.priority_parts.get("jp_shortfall", 0))
        facts["jp_minimum"] = int(e.priority_parts.get("jp_minimum", 20))
    return facts


def need_updated(e: NeedIdentified, told: Mapping[str, object]) -> list[Notice]:
    """A need told before whose facts changed: the same people, told it is an update and what changed."""
    before, now = told.get("jp_shortfall"), need_facts(e).get("jp_shortfall")
    if before is not None and now is not None and before != now:
        change_id = f"Kekurangan JP Anda berubah dari {before} menjadi {now} JP."
        change_en = f"The JP shortfall changed from {before} to {now} JP."
    else:
        change_id, change_en = "Rincian kebutuhan ini berubah.", "The details of this need changed."
    return [
        Notice(
            n.to,
            n.role,
            Text(f"Pembaruan: {n.id.title}", f"{change_id} {n.id.body}"),
            Text(f"Update: {n.en.title}", f"{change_en} {n.en.body}"),
        )
        for n in need_identified(e)
    ]


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
                f"Kursi Anda di {what_id} dibatalkan.{why_id} Kebutuhan pengembangan yang masih terbuka "
                f"dijadwalkan ulang oleh BKPSDM; tidak ada tindakan yang diperlukan.",
            ),
            Text(
                f"Training seat cancelled: {e.program_title}",
                f"Your place in {what_en} was cancelled.{why_en} Any development need still open is planned "
                f"again by BKPSDM; nothing is needed from you.",
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
    notices = [Notice(Person(e.nip), "employee", text_id, text_en)]
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
                Person(e.supervisor_nip),
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
            Person(e.nip),
            "employee",
            Text(
                f"Selamat, Anda menyelesaikan {e.program_title}",
                f"Anda telah menyelesaikan {e.program_title} ({e.jp} JP), sertifikat {e.certificate_number}. "
                f"Isi evaluasi reaksi (level 1) saat muncul di menu Evaluasi; pengingat menyebutkan batas waktunya.",
            ),
            Text(
                f"Congratulations, you completed {e.program_title}",
                f"You completed {e.program_title} ({e.jp} JP), certificate {e.certificate_number}. "
                f"Please answer the reaction evaluation (level 1) when it appears under Evaluations; its reminder "
                f"gives the due date.",
            ),
        )
    ]


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
