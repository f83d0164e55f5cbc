"""The printable certificate (sertifikat elektronik): one A4 landscape page rendered from the credential.

Everything printed comes from the signed credential, so the paper says exactly what verification
checks. The QR code (an inline SVG made by segno, no network) points at the credential's id, which is
its public verification page. Pure: credential in, HTML out; the training service serves it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from shared.credentials.badge import FORM_LABELS, WIB

LANGUAGES = ("id", "en")
_MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip
_FORM_BY_LABEL = {label_id: (label_id, label_en) for label_id, label_en in FORM_LABELS.values()}
_LEVEL = re.compile(r"Level (\d)")

TEXT = {
    "id": {
        "government": "Pemerintah Kota Medan",
        "title": "Sertifikat",
        "number": "Nomor",
        "awarded_to": "diberikan kepada",
        "anonymous": "Pemegang sertifikat ini",
        "anonymous_note": "Nama tidak dicantumkan atas permintaan pemegang; identitas (NIP) tersimpan tersandi.",
        "completed": "atas keberhasilannya menyelesaikan",
        "organised_by": "diselenggarakan oleh",
        "competencies": "Kompetensi yang dikembangkan",
        "level": "level",
        "score": "Nilai post-test",
        "place_date": "Medan",
        "signed": "Ditandatangani secara elektronik",
        "scan": "Pindai untuk memeriksa keaslian",
        "footer": "Sertifikat elektronik ini ditandatangani secara digital menurut standar Open Badges 3.0 "
        "(W3C Verifiable Credentials 2.0, Data Integrity eddsa-rdfc-2022). Keaslian dan status pencabutannya "
        "dapat diperiksa siapa saja, tanpa masuk log, di alamat berikut.",
        "revoked": "Dicabut",
    },
    "en": {
        "government": "City Government of Medan",
        "title": "Certificate",
        "number": "No.",
        "awarded_to": "is awarded to",
        "anonymous": "The holder of this certificate",
        "anonymous_note": "The name is left out at the holder's request; the NIP is kept in hashed form.",
        "completed": "for successfully completing",
        "organised_by": "organised by",
        "competencies": "Competencies developed",
        "level": "level",
        "score": "Post-test score",
        "place_date": "Medan",
        "signed": "Signed electronically",
        "scan": "Scan to check that it is genuine",
        "footer": "This electronic certificate is digitally signed to the Open Badges 3.0 standard "
        "(W3C Verifiable Credentials 2.0, Data Integrity eddsa-rdfc-2022). Anyone can check that it is "
        "genuine and not revoked, without signing in, at the address below.",
        "revoked": "Revoked",
    },
}

templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def format_date(day: date, language: str) -> str:
    return f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"


def format_period(start: date, end: date, language: str) -> str:
    """``1–4 Maret 2027``, ``28 Februari – 3 Maret 2027``, or one day."""
    if start == end:
        return format_date(end, language)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_date(end, language)}"
    if start.year == end.year:
        return f"{start.day} {_MONTHS[language][start.month - 1]} – {format_date(end, language)}"
    return f"{format_date(start, language)} – {format_date(end, language)}"


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    moment = datetime.fromisoformat(value)
    return (moment.astimezone(WIB) if moment.tzinfo else moment).date()


@dataclass(frozen=True)
class CompetencyLine:
    name: str
    level: str | None


@dataclass(frozen=True)
class CertificateView:
    """What the page shows, read from the credential."""

    number: str
    holder: str | None
    programme: str
    form: str
    jp: int | float | None
    period: str
    provider: str | None
    competencies: tuple[CompetencyLine, ...]
    score: str | None
    issuer: str
    issued_on: str
    verify_url: str


def view(credential: dict[str, Any], language: str) -> CertificateView:
    subject = credential.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    holder = subject.get("name") or next(
        (i.get("identityHash") for i in subject.get("identifier", []) if i.get("identityType") == "name"), None
    )
    tags = achievement.get("tag") or []
    labels = _FORM_BY_LABEL.get(tags[0], (tags[0], tags[0])) if tags else ("", "")
    start, end = _day(subject.get("activityStartDate")), _day(subject.get("activityEndDate"))
    issued = _day(credential.get("awardedDate") or credential.get("validFrom"))
    results = subject.get("result") or []
    return CertificateView(
        number=str(subject.get("licenseNumber", "")),
        holder=holder,
        programme=str(achievement.get("name", "")),
        form=labels[LANGUAGES.index(language)],
        jp=subject.get("creditsEarned", achievement.get("creditsAvailable")),
        period=format_period(start, end, language) if start and end else "",
        provider=(achievement.get("creator") or {}).get("name"),
        competencies=tuple(
            CompetencyLine(
                str(a.get("targetName", a.get("targetCode", ""))),
                m.group(1) if (m := _LEVEL.search(str(a.get("targetDescription", "")))) else None,
            )
            for a in achievement.get("alignment", [])
        ),
        score=str(results[0]["value"]) if results and "value" in results[0] else None,
        issuer=str((credential.get("issuer") or {}).get("name", "")),
        issued_on=format_date(issued, language) if issued else "",
        verify_url=str(credential.get("id", "")),
    )


@cache
def rosette() -> str:
    """A guilloche band (phase-shifted wave rings, as on banknotes) as one SVG path: the watermark."""
    curves = []
    for ring, (radius, depth, waves, lines) in enumerate(((74, 12, 18, 12), (44, 8, 12, 9))):
        for line in range(lines):
            phase = 2 * math.pi * line / lines + ring
            points = []
            for step in range(721):
                t = 2 * math.pi * step / 720
                r = radius + depth * math.sin(waves * t + phase)
                points.append(f"{r * math.cos(t):.1f} {r * math.sin(t):.1f}")
            curves.append("M" + " L".join(points) + "Z")
    return " ".join(curves)


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code (error correction M, sized by CSS)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=1, border=0, omitsize=True, dark="#10233f"))  # segno's own markup


def render(
    credential: dict[str, Any],
    *,
    language: str = "id",
    signatory_title: str,
    signatory_name: str | None = None,
    revoked: bool = False,
) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    page = view(credential, language)
    return templates.get_template("certificate.html").render(
        lang=language,
        t=TEXT[language],
        c=page,
        qr=qr_svg(page.verify_url),
        rosette=rosette(),
        signatory_title=signatory_title,
        signatory_name=signatory_name,
        revoked=revoked,
    )
