"""The printable certificate shows what the signed credential says, points its QR code at the public
verification page, prints on one A4 landscape page and loads nothing from the internet."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from shared.credentials import Recipient
from shared.credentials.badge import new_salt
from shared.credentials.certificate import format_period, qr_svg
from tests.support.credentials import NIP, award, issue, service


def page(language: str = "id", **changes) -> str:
    svc = service(credentials_signatory_name="Dr. Contoh Pejabat, M.Si.")
    return svc.render_certificate(issue(svc, **changes), language=language)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_certificate_shows_the_essentials_of_the_credential():
    shown = text(page())
    for expected in (
        "Sertifikat",
        "Nomor: BKPSDM-MDN/2027/5E1A2B3C",
        "Siti Aminah, S.Kep.",
        "Pelatihan klasikal",
        "Pelayanan Prima",
        "24 JP",
        "1–4 Maret 2027",
        "diselenggarakan oleh BPSDM Provinsi Sumatera Utara",
        "M.05 Pelayanan Publik (level 3)",
        "Nilai post-test: 82",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Medan",
        "Medan, 4 Maret 2027",
        "Kepala BKPSDM Kota Medan",
        "Dr. Contoh Pejabat, M.Si.",
        "Ditandatangani secara elektronik",
    ):
        assert expected in shown, expected
    assert NIP not in shown


def test_the_english_certificate_says_the_same_in_english():
    shown = text(page("en"))
    for expected in ("Certificate", "is awarded to", "Classroom training", "1–4 March 2027", "organised by",
                     "Post-test score: 82", "Scan to check that it is genuine", "Medan, 4 March 2027"):  # fmt: skip
        assert expected in shown, expected
    assert "diberikan kepada" not in shown
    assert '<html lang="en">' in page("en")


def test_a_person_who_keeps_their_name_off_gets_a_certificate_without_it():
    shown = text(page(recipient=Recipient(NIP, new_salt(), None)))
    assert "Pemegang sertifikat ini" in shown and "Siti" not in shown


def test_the_qr_code_points_at_the_public_verification_page():
    svc = service()
    credential = issue(svc)
    html = svc.render_certificate(credential)
    assert credential["id"] == f"{svc.urls.base}/credentials/8a1f0b52-3c4d-4e6f-9a0b-1c2d3e4f5a6b"
    assert str(qr_svg(credential["id"])) in html  # the QR code of exactly that URL
    assert credential["id"] in text(html)  # and the URL in words, for typing it in


def test_a_revoked_certificate_prints_with_a_revoked_stamp():
    svc = service()
    assert 'class="stamp">Dicabut<' in svc.render_certificate(issue(svc), revoked=True)
    assert 'class="stamp"' not in svc.render_certificate(issue(svc))


def test_it_prints_on_one_a4_landscape_page_and_fetches_nothing():
    html = page()
    assert "@page { size: A4 landscape; margin: 0; }" in html
    assert "width: 297mm; height: 210mm" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "url(" not in html


def test_text_from_the_credential_is_escaped():
    svc = service()
    hostile = dataclasses.replace(award().programme, title='<script>alert("x")</script>')
    html = svc.render_certificate(issue(svc, programme=hostile))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_an_unknown_language_is_refused():
    svc = service()
    with pytest.raises(ValueError, match="language"):
        svc.render_certificate(issue(svc), language="fr")


@pytest.mark.parametrize(
    ("start", "end", "language", "expected"),
    [
        (date(2027, 3, 4), date(2027, 3, 4), "id", "4 Maret 2027"),
        (date(2027, 2, 27), date(2027, 3, 3), "id", "27 Februari – 3 Maret 2027"),
        (date(2026, 12, 28), date(2027, 1, 8), "en", "28 December 2026 – 8 January 2027"),
    ],
)
def test_periods_are_written_as_people_write_them(start, end, language, expected):
    assert format_period(start, end, language) == expected
