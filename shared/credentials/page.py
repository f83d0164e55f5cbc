"""The public verification page (the QR code's target): the verdict in words a person understands,
every check with its reason, and what the certificate says, in Bahasa Indonesia or English.

Pure: a ``Verification`` and the credential in, HTML out. What the certificate says is shown only when
its proof holds: the content of a tampered one is not believed.
"""

from __future__ import annotations

from typing import Any

from shared.credentials.certificate import LANGUAGES, templates, view
from shared.credentials.verify import Verdict, Verification

VERDICTS: dict[Verdict, tuple[tuple[str, str], tuple[str, str]]] = {
    Verdict.VALID: (
        ("Sertifikat sah", "Sertifikat ini asli, diterbitkan oleh penerbit yang tercantum, dan tidak dicabut."),
        ("Valid certificate", "This certificate is genuine, issued by the issuer named, and not revoked."),
    ),
    Verdict.REVOKED: (
        ("Sertifikat dicabut", "Sertifikat ini asli, tetapi telah dicabut oleh penerbit dan tidak berlaku lagi."),
        ("Certificate revoked", "This certificate is genuine but the issuer revoked it; it is no longer valid."),
    ),
    Verdict.TAMPERED: (
        ("Sertifikat tidak asli", "Isi sertifikat ini tidak cocok dengan tanda tangan penerbit: telah diubah "
         "atau bukan dari penerbit ini."),
        ("Certificate not genuine", "What this certificate says does not match the issuer's signature: it was "
         "changed, or it is not from this issuer."),
    ),
    Verdict.EXPIRED: (
        ("Masa berlaku habis", "Sertifikat ini asli, tetapi masa berlakunya telah berakhir."),
        ("Expired", "This certificate is genuine, but its validity period has ended."),
    ),
    Verdict.NOT_YET_VALID: (
        ("Belum berlaku", "Sertifikat ini asli, tetapi belum mulai berlaku."),
        ("Not yet valid", "This certificate is genuine, but it is not valid yet."),
    ),
    Verdict.UNVERIFIABLE: (
        ("Belum dapat diperiksa", "Status pencabutan tidak dapat diperiksa saat ini; coba lagi nanti."),
        ("Cannot be checked now", "Its revocation status cannot be checked right now; please try again later."),
    ),
}  # fmt: skip

TEXT = {
    "id": {
        "heading": "Pemeriksaan sertifikat elektronik",
        "checks": "Pemeriksaan",
        "details": "Isi sertifikat",
        "number": "Nomor",
        "holder": "Pemegang",
        "anonymous": "(nama tidak dicantumkan atas permintaan pemegang)",
        "programme": "Program",
        "period": "Pelaksanaan",
        "provider": "Penyelenggara",
        "competencies": "Kompetensi",
        "score": "Nilai post-test",
        "issuer": "Penerbit",
        "issued_on": "Diterbitkan",
        "checked_at": "Diperiksa pada",
        "other": "English",
        "how": "Siapa saja dapat memeriksa sertifikat ini tanpa masuk log. Sistem lain dapat memeriksa berkas "
        "JSON-nya dengan pemeriksa Open Badges 3.0 / Verifiable Credentials 2.0 mana pun.",
    },
    "en": {
        "heading": "Electronic certificate check",
        "checks": "Checks",
        "details": "What the certificate says",
        "number": "Number",
        "holder": "Holder",
        "anonymous": "(name left out at the holder's request)",
        "programme": "Programme",
        "period": "Held",
        "provider": "Provider",
        "competencies": "Competencies",
        "score": "Post-test score",
        "issuer": "Issuer",
        "issued_on": "Issued",
        "checked_at": "Checked at",
        "other": "Bahasa Indonesia",
        "how": "Anyone can check this certificate without signing in. Other systems can check its JSON file "
        "with any Open Badges 3.0 / Verifiable Credentials 2.0 verifier.",
    },
}


def render_verification(verification: Verification, credential: dict[str, Any], *, language: str = "id") -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    title, explanation = VERDICTS[verification.verdict][LANGUAGES.index(language)]
    believed = verification.verdict is not Verdict.TAMPERED
    return templates.get_template("verification.html").render(
        lang=language,
        other="en" if language == "id" else "id",
        t=TEXT[language],
        verdict=verification.verdict.value,
        title=title,
        explanation=explanation,
        checks=[(f.verdict is None, f.message_id if language == "id" else f.message_en) for f in verification.findings],
        checked_at=verification.checked_at.strftime("%Y-%m-%d %H:%M UTC"),
        c=view(credential, language) if believed else None,
    )
