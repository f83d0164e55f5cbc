"""Routing, channels, retries, signatures, directory checks and digests: the pure rules of notifications."""

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

from services.notifications import domain, templates
from services.notifications.domain import BkpsdmAdmins, Person, UnitHeads
from shared.events import EvaluationDue, EvaluationEscalated

NURSE, HEAD, ADMIN = "199002202015032001", "197911232006041003", "197805122003121002"


def due(role, kind="due", evaluator=None, level=3):
    return EvaluationDue(
        evaluation_id="ev-1",
        enrolment_id="enr-1",
        program_code="PRIMA",
        program_title="Pelatihan Pelayanan Prima",
        nip=NURSE,
        unit_code="PKM-PADANGBULAN",
        level=level,
        evaluator_role=role,
        evaluator_nip=evaluator,
        kind=kind,
        opens_on=date(2027, 6, 2),
        due_on=date(2027, 8, 31),
        reminded_at=datetime(2027, 6, 2, tzinfo=UTC),
    )


def test_an_evaluation_due_goes_to_whoever_owes_the_answer_with_its_deadline():
    (participant,) = templates.evaluation_due(due("participant", level=1))
    assert participant.to == Person(NURSE) and "pelatihan Anda" in participant.id.body
    (supervisor,) = templates.evaluation_due(due("supervisor", evaluator=HEAD))
    assert supervisor.to == Person(HEAD)
    assert "paling lambat 31-08-2027" in supervisor.id.body and "by 2027-08-31" in supervisor.en.body
    # No supervisor on record: the unit head stands in, as in the evaluation service.
    (stand_in,) = templates.evaluation_due(due("supervisor"))
    assert (stand_in.to, stand_in.role) == (UnitHeads("PKM-PADANGBULAN"), "unit_head")
    (bkpsdm,) = templates.evaluation_due(due("bkpsdm", level=4))
    assert bkpsdm.to == BkpsdmAdmins()


def test_an_overdue_evaluation_also_reaches_bkpsdm():
    evaluator, bkpsdm = templates.evaluation_due(due("supervisor", kind="overdue", evaluator=HEAD))
    assert evaluator.to == Person(HEAD) and "terlambat" in evaluator.id.title
    assert bkpsdm.to == BkpsdmAdmins() and "belum diisi oleh atasan langsung" in bkpsdm.id.body


def test_an_escalation_asks_bkpsdm_to_decide_by_a_date_and_informs_supervisor_and_unit_head():
    event = EvaluationEscalated(
        evaluation_id="ev-2",
        enrolment_id="enr-2",
        program_code="MENTOR-M05",
        nip=NURSE,
        unit_code="PKM-PADANGBULAN",
        supervisor_nip=HEAD,
        competency_codes=["M.05"],
        barriers=["lack_of_support"],
        earlier_evaluation_ids=["ev-1"],
        escalated_at=datetime(2027, 9, 1, 3, tzinfo=UTC),
    )
    bkpsdm, supervisor, head = templates.evaluation_escalated(event)
    assert bkpsdm.to == BkpsdmAdmins() and "paling lambat 15-09-2027" in bkpsdm.id.body
    assert "Barriers: lack of support" in bkpsdm.en.body
    assert (supervisor.to, head.to) == (Person(HEAD), UnitHeads("PKM-PADANGBULAN"))
    assert "BKPSDM will decide on the next step by 2027-09-15" in head.en.body


def test_a_person_reached_for_two_reasons_hears_once_for_the_most_direct_one():
    notices = [
        domain.Notice(Person(HEAD), "supervisor", domain.Text("a", "b"), domain.Text("c", "d")),
        domain.Notice(UnitHeads("PKM"), "unit_head", domain.Text("e", "f"), domain.Text("g", "h")),
        domain.Notice(BkpsdmAdmins(), "bkpsdm", domain.Text("i", "j"), domain.Text("k", "l")),
    ]
    addressed = domain.resolve(notices, lambda unit: [HEAD] if unit == "PKM" else [], lambda: [ADMIN])
    assert [(a.nip, a.role) for a in addressed] == [(HEAD, "supervisor"), (ADMIN, "bkpsdm")]
    assert addressed[0].text("en").title == "c" and addressed[0].text("id").title == "a"


def test_channels_follow_preferences_and_a_digest_replaces_messages_per_event():
    assert domain.plan(domain.UNKNOWN_PERSON) == domain.Plan(inbox=True, email=None, digest=False)
    both = domain.Preferences(channels=frozenset({"inbox", "email"}), email="siti@example.org")
    assert domain.plan(both) == domain.Plan(inbox=True, email="siti@example.org", digest=False)
    email_only = domain.Preferences(channels=frozenset({"email"}), email="siti@example.org")
    assert domain.plan(email_only).inbox is False
    digest = domain.Preferences(channels=frozenset({"inbox", "email"}), email="head@example.org", digest=True)
    assert domain.plan(digest) == domain.Plan(inbox=False, email=None, digest=True)


def test_retries_double_up_to_the_cap_then_the_delivery_is_dead():
    policy = domain.RetryPolicy(max_attempts=5, backoff_s=60, backoff_max_s=180)
    delays = [policy.delay_after(n) for n in range(1, 6)]
    assert delays == [
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=180),
        timedelta(seconds=180),
        None,
    ]


def test_a_wait_that_never_gives_up_stays_at_the_cap_however_many_attempts_failed():
    # SIASN entries are retried forever: the 2000th failure waits the cap (300.0 * 2**1999 would overflow).
    policy = domain.RetryPolicy(max_attempts=1, backoff_s=300.0, backoff_max_s=21600.0)
    assert [policy.backoff(n) for n in (1, 2, 2000)] == [
        timedelta(seconds=300),
        timedelta(seconds=600),
        timedelta(seconds=21600),
    ]


def test_the_signature_is_hmac_sha256_of_timestamp_and_body():
    body = b'{"nip": "199002202015032001"}'
    expected = hmac.new(b"s3cret", b"1800000000." + body, hashlib.sha256).hexdigest()
    assert domain.sign("s3cret", "1800000000", body) == f"sha256={expected}"
    assert domain.signature_valid("s3cret", "1800000000", body, f"sha256={expected}")
    assert not domain.signature_valid("s3cret", "1800000001", body, f"sha256={expected}")  # timestamp is signed


def test_directory_entries_are_checked_field_by_field():
    ok = domain.PersonRecord(nip=HEAD, email="head@example.org", channels=("inbox", "email"), head_of_units=("P",))
    assert domain.check_person(ok) == []
    assert domain.check_person(domain.PersonRecord(nip=HEAD, digest=True, head_of_units=("P",))) == []
    bad = domain.PersonRecord(nip="123", language="fr", channels=("email", "sms"), digest=True)
    assert [p.field for p in domain.check_person(bad)] == ["nip", "language", "channels", "channels", "email", "digest"]
    assert domain.check_person(domain.PersonRecord(nip=HEAD, email="not an address"))[0].field == "email"


def test_a_digest_lists_each_item_with_its_own_deadline():
    items = [
        domain.DigestItem(
            "t", domain.Text("Satu", "Isi paling lambat 01-03-2027."), domain.Text("One", "By 2027-03-01.")
        ),
        domain.DigestItem("t", domain.Text("Dua", "Tidak ada tindakan."), domain.Text("Two", "Nothing to do.")),
    ]
    made = domain.digest(date(2027, 2, 20), items)
    assert made.id.title == "Ringkasan harian 20-02-2027: 2 pemberitahuan"
    assert "1. Satu\nIsi paling lambat 01-03-2027." in made.id.body and "2. Two\nNothing to do." in made.en.body


def test_the_inbox_cannot_be_switched_off():
    for channels in ((), ("email",)):
        problems = domain.check_person(domain.PersonRecord(nip=HEAD, email="head@example.org", channels=channels))
        assert [p.field for p in problems] == ["channels"]
        assert "inbox" in problems[0].message_id and "always on" in problems[0].message_en
