"""What a participant and their supervisor are told of a seat and of a completion."""

from __future__ import annotations

from datetime import timedelta

from services.notifications.domain import Notice, Person, Text
from shared.events import CertificateRevoked, EnrolmentChanged, ProgramCompleted


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
    # The public verification page of the signed certificate (issue 17); events from before it have none.
    url = e.certificate_url
    check_id = f" Sertifikat elektronik Anda dapat diperiksa keasliannya oleh siapa saja di: {url}" if url else ""
    check_en = f" Anyone can check that your electronic certificate is genuine at: {url}" if url else ""
    return [
        Notice(
            Person(e.nip),
            "employee",
            Text(
                f"Selamat, Anda menyelesaikan {e.program_title}",
                f"Anda telah menyelesaikan {e.program_title} ({e.jp} JP), sertifikat {e.certificate_number}. "
                f"Isi evaluasi reaksi (level 1) saat muncul di menu Evaluasi; pengingat menyebutkan batas waktunya."
                f"{check_id}",
            ),
            Text(
                f"Congratulations, you completed {e.program_title}",
                f"You completed {e.program_title} ({e.jp} JP), certificate {e.certificate_number}. "
                f"Please answer the reaction evaluation (level 1) when it appears under Evaluations; its reminder "
                f"gives the due date.{check_en}",
            ),
        )
    ]


def certificate_revoked(e: CertificateRevoked) -> list[Notice]:
    reason = e.reason.rstrip(". ")
    return [
        Notice(
            Person(e.nip),
            "employee",
            Text(
                f"Sertifikat {e.certificate_number} dicabut",
                f"BKPSDM mencabut sertifikat elektronik Anda {e.certificate_number} untuk {e.program_title}. "
                f"Alasan: {reason}. Pemeriksaan keasliannya kini menyatakan dicabut: {e.certificate_url}",
            ),
            Text(
                f"Certificate {e.certificate_number} revoked",
                f"BKPSDM revoked your electronic certificate {e.certificate_number} for {e.program_title}. "
                f"Reason: {reason}. Its verification page now says revoked: {e.certificate_url}",
            ),
        )
    ]
