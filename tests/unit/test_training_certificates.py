"""What a completed seat's certificate says (before signing), and the public verification page."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.training import domain
from services.training.certificates.issuing import award_of, criteria
from services.training.documents import BatchDocument, EnrolmentDocument, ProgramDocument
from shared.credentials import Verdict
from shared.credentials.page import render_verification
from tests.support.credentials import NOW, issue, lists, service

NURSE = "199002202015032001"
OFFER = domain.ProgramOffer(
    code="PRIMA",
    title="Pelayanan Prima",
    form="training",
    competencies={"M.05": 3, "M.01": 2},
    jp=24,
    cost_per_participant=0,
    min_attendance_pct=90,
    passing_score=70,
)


def seat(**fields):
    base = {
        "id": f"PRIMA-1:{NURSE}",
        "nip": NURSE,
        "post_score": 82.0,
        "completed_on": date(2027, 3, 11),
        "certificate_number": "BKPSDM-MDN/2027/5E1A2B3C",
    }
    return EnrolmentDocument(**(base | fields))


def award(e, offer=OFFER):
    batch = BatchDocument(id="PRIMA-1", starts_on=date(2027, 3, 8), ends_on=date(2027, 3, 11))
    program = ProgramDocument(code="PRIMA", provider="BPSDM Provinsi Sumatera Utara")
    return award_of(e, batch, program, offer, credential_id="c-1", salt="ab" * 16, now=NOW)


def test_the_award_states_the_completion_as_the_training_service_knows_it():
    a = award(seat())
    assert (a.certificate_number, a.started_on, a.completed_on, a.post_score) == (
        "BKPSDM-MDN/2027/5E1A2B3C",
        date(2027, 3, 8),
        date(2027, 3, 11),
        82.0,
    )
    p = a.programme
    assert (p.code, p.title, p.form, p.jp, p.provider, p.passing_score) == (
        "PRIMA",
        "Pelayanan Prima",
        "training",
        24,
        "BPSDM Provinsi Sumatera Utara",
        70,
    )
    assert [(c.code, c.level) for c in p.competencies] == [("M.01", 2), ("M.05", 3)]
    assert a.valid_from == NOW and a.recipient.nip == NURSE


def test_the_name_goes_on_the_certificate_only_when_the_participant_chose_it():
    assert award(seat()).recipient.name is None
    assert award(seat(name_on_certificate="Siti Rahmawati")).recipient.name == "Siti Rahmawati"


def test_the_criteria_are_the_completion_rules_that_were_applied():
    assert criteria(OFFER) == "Kehadiran minimal 90% dari seluruh sesi dan nilai post-test minimal 70."
    assert criteria(replace(OFFER, passing_score=None)) == "Kehadiran minimal 90% dari seluruh sesi."
    placement = criteria(replace(OFFER, form="internship", passing_score=None))
    assert placement.endswith("kesepakatan belajar dan laporan akhir yang diterima.")


@pytest.mark.parametrize(("language", "title"), [("id", "Sertifikat sah"), ("en", "Valid certificate")])
def test_the_verification_page_says_valid_and_what_the_certificate_says(language, title):
    svc = service()
    credential = issue(svc)
    verification = svc.verify(credential, load_status_list=lists(svc), now=datetime(2027, 3, 10, 9, tzinfo=UTC))
    assert verification.verdict is Verdict.VALID
    page = render_verification(verification, credential, language=language)
    assert title in page and 'data-verdict="valid"' in page
    assert "BKPSDM-MDN/2027/5E1A2B3C" in page and "Siti Aminah" in page and "Pelayanan Prima" in page


def test_the_verification_page_of_a_tampered_certificate_repeats_nothing_it_claims():
    svc = service()
    forged = issue(svc)
    forged["credentialSubject"]["name"] = "Orang Lain"
    verification = svc.verify(forged, load_status_list=lists(svc), now=datetime(2027, 3, 10, 9, tzinfo=UTC))
    page = render_verification(verification, forged, language="id")
    assert "Sertifikat tidak asli" in page and 'data-verdict="tampered"' in page
    assert "Orang Lain" not in page and "Pelayanan Prima" not in page


def test_the_verification_page_of_a_revoked_certificate_says_so():
    svc = service()
    credential = issue(svc, index=77)
    verification = svc.verify(credential, load_status_list=lists(svc, [77]), now=datetime(2027, 3, 10, 9, tzinfo=UTC))
    assert "Certificate revoked" in render_verification(verification, credential, language="en")
