"""The notifications service over the real broker and database, a real SMTP server (aiosmtpd) and a
real HTTP receiver: who hears what, on which channel, in which language, once; webhooks signed,
retried, dead-lettered and replayed; daily digests."""

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from pymongo import MongoClient

from services.notifications import domain
from services.notifications.delivery import DeliveryFailed, claim_due, record_attempt
from services.notifications.documents import DeliveryDocument, WebhookSubscriptionDocument
from shared.events import (
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    PROGRAM_COMPLETED,
    EvaluationDue,
    EvaluationEscalated,
    NeedResolved,
    ProgramCompleted,
    build_record,
)
from shared.http.auth import Role
from tests.conftest import ADMIN_NIP, bearer
from tests.support.demo import HEAD, NURSE, UNIT
from tests.support.events import need_event, need_payload, need_resolved, send
from tests.support.receivers import free_port, silent_server, smtp_server, webhook_receiver
from tests.support.waiting import eventually

SITI, AHMAD, RINA = "siti@puskesmas.example", "ahmad@puskesmas.example", "rina@bkpsdm.example"
DIRECTORY = f"""nip;nama;email;bahasa;kanal;ringkasan_harian;kode_unit;kepala_unit;admin_bkpsdm
{NURSE};Siti Rahmawati;{SITI};id;inbox,email;tidak;{UNIT};;tidak
{HEAD};dr. Ahmad Nasution;{AHMAD};en;inbox,email;tidak;{UNIT};{UNIT};tidak
{ADMIN_NIP};Rina BKPSDM;{RINA};id;inbox,email;tidak;BKPSDM;;ya
"""
NURSE_H = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
HEAD_H = bearer(HEAD, Role.SUPERVISOR, Role.UNIT_HEAD, unit=UNIT)
QUICK = {
    "DELIVERY_MAX_ATTEMPTS": "3",
    "DELIVERY_BACKOFF_S": "0.3",
    "DELIVERY_BACKOFF_MAX_S": "1",
    "DISPATCH_INTERVAL_S": "0.2",
    "WEBHOOK_TIMEOUT_S": "1",
    "DIGEST_ENABLED": "false",
}


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def notifications(run_service, mailbox, admin):
    with run_service("notifications", SMTP_PORT=str(mailbox.port), **QUICK) as client:
        imported = client.post("/directory/import", content=DIRECTORY.encode(), headers=admin)
        assert imported.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
        yield client


def overdue_record(**overrides):
    fields = {
        "evaluation_id": "enr-1-L3",
        "enrolment_id": "enr-1",
        "program_code": "PRIMA",
        "program_title": "Pelatihan Pelayanan Prima",
        "nip": NURSE,
        "unit_code": UNIT,
        "level": 3,
        "evaluator_role": "supervisor",
        "evaluator_nip": HEAD,
        "kind": "overdue",
        "opens_on": date(2027, 6, 2),
        "due_on": date(2027, 8, 31),
        "reminded_at": datetime(2027, 9, 1, tzinfo=UTC),
    }
    return build_record(EVALUATION_DUE, EvaluationDue(**(fields | overrides)), subject=NURSE)


def escalation_record():
    payload = EvaluationEscalated(
        evaluation_id="enr-2-L3",
        enrolment_id="enr-2",
        program_code="MENTOR-M05",
        nip=NURSE,
        unit_code=UNIT,
        supervisor_nip=HEAD,
        competency_codes=["M.05"],
        barriers=["lack_of_support"],
        earlier_evaluation_ids=["enr-1-L3"],
        escalated_at=datetime(2027, 9, 1, 3, tzinfo=UTC),
    )
    return build_record(EVALUATION_ESCALATED, payload, subject=NURSE)


def completion_record():
    payload = ProgramCompleted(
        enrolment_id="enr-1",
        nip=NURSE,
        unit_code=UNIT,
        supervisor_nip=HEAD,
        program_code="PRIMA",
        program_title="Pelatihan Pelayanan Prima",
        form="training",
        competencies=[{"code": "M.05", "target_level": 3}],
        jp=30,
        attendance_pct=95,
        started_on=date(2027, 3, 8),
        completed_on=date(2027, 3, 11),
        certificate_number="BKPSDM/2027/001",
    )
    return build_record(PROGRAM_COMPLETED, payload, subject=NURSE)


def inbox(client, headers, **params):
    return client.get("/inbox", params=params, headers=headers).json()


def deliveries(client, admin, **params):
    return client.get("/deliveries", params={"limit": 500, **params}, headers=admin).json()["items"]


def settled(client, admin, count, **params):
    """Wait until ``count`` deliveries exist and none is pending."""
    return eventually(
        lambda: (
            len(d := deliveries(client, admin, **params)) == count and all(x["status"] != "pending" for x in d) and d
        ),
        timeout_s=60,
        what=f"{count} settled deliveries",
    )


def test_each_event_reaches_the_right_people_on_their_channels_in_their_language_once(
    notifications, mailbox, admin, infra, namespace
):
    records = [need_event(), overdue_record(), escalation_record()]
    for record in records:
        send(infra, namespace, record)
        send(infra, namespace, record)  # redelivered
    settled(notifications, admin, 6)
    # A crash after the handler's writes but before the consumer marked the event done: the inbox of
    # processed events forgets it, the event comes again, and the handler meets its own keys.
    db = MongoClient(infra.mongodb_uri)[f"{namespace}_notifications"]
    db.processed_events.delete_many({})
    for record in records:
        send(infra, namespace, record)
    eventually(lambda: db.processed_events.count_documents({}) == 3, what="the events handled again")

    # Siti, in Indonesian: her need, in the inbox and by e-mail. Overdue evaluations and escalations
    # about her go to those who must act, not to her.
    siti = inbox(notifications, NURSE_H)
    assert [m["title"] for m in siti["items"]] == ["Kebutuhan pengembangan: Pelayanan Publik"]
    (mail,) = mailbox.to(SITI)
    assert mail.subject == "Kebutuhan pengembangan: Pelayanan Publik"
    assert "pantau undangan pelatihan Anda" in mail.body and mail.message["Content-Language"] == "id"

    # Ahmad chose English: as her supervisor (need, overdue evaluation he owes) and as the unit head
    # informed of the escalation; the overdue one says what to do and by when.
    ahmad = inbox(notifications, HEAD_H)
    titles = sorted(m["title"] for m in ahmad["items"])
    assert titles == [
        "Development need of your staff member: NIP 199002202015032001",
        "Evaluation escalated: NIP 199002202015032001",
        "Level 3 (behaviour) evaluation overdue: Pelatihan Pelayanan Prima",
    ]
    assert {m["language"] for m in ahmad["items"]} == {"en"}
    overdue = next(m for m in ahmad["items"] if "overdue" in m["title"])
    assert "was due on 2027-08-31. Answer it under Evaluations today." in overdue["body"]
    assert sorted(m.subject for m in mailbox.to(AHMAD)) == titles
    # Asking for Indonesian explicitly wins over the directory's choice.
    assert any(
        m["title"].startswith("Eskalasi") for m in inbox(notifications, {**HEAD_H, "Accept-Language": "id"})["items"]
    )

    # Rina at BKPSDM (the inbox always, and e-mail): the overdue evaluation and the escalation, in Indonesian.
    rina = sorted(m.subject for m in mailbox.to(RINA))
    assert sorted(m["title"] for m in inbox(notifications, admin)["items"]) == rina
    assert rina == ["Eskalasi evaluasi: NIP 199002202015032001", "Evaluasi terlambat: level 3, NIP 199002202015032001"]
    escalation = next(m for m in mailbox.to(RINA) if m.subject.startswith("Eskalasi"))
    assert "Putuskan langkah berikutnya paling lambat 15-09-2027" in escalation.body

    # One message per (event, recipient, channel): six e-mails in all, whatever came twice or thrice.
    assert len(mailbox.mails) == 6
    assert len({m.message["Message-ID"] for m in mailbox.mails}) == 6


def test_a_unit_level_need_and_a_due_evaluation_without_a_supervisor_go_to_the_unit_head(
    notifications, mailbox, admin, infra, namespace
):
    unit_need = need_payload(need_id="2027-unit-M.05", nip=None, source="public_satisfaction", unit_code=UNIT)
    send(infra, namespace, build_record(NEED_IDENTIFIED, unit_need, subject=UNIT))
    send(infra, namespace, overdue_record(evaluator_nip=None, kind="due"))  # no supervisor on record
    send(infra, namespace, completion_record())
    messages = eventually(lambda: (r := inbox(notifications, HEAD_H))["total"] == 2 and r, what="two for the head")
    assert sorted(m["title"] for m in messages["items"]) == [
        "Development need of unit PKM-PADANGBULAN: Pelayanan Publik",
        "Level 3 (behaviour) evaluation awaits you: Pelatihan Pelayanan Prima",
    ]
    done = eventually(lambda: (r := inbox(notifications, NURSE_H))["total"] == 1 and r, what="the completion")
    assert done["items"][0]["title"] == "Selamat, Anda menyelesaikan Pelatihan Pelayanan Prima"


@pytest.mark.slow
def test_webhooks_are_signed_retried_once_accepted_and_dead_after_n_attempts_without_slowing_email(
    notifications, mailbox, admin, infra, namespace
):
    behaviours = {
        "/flaky": lambda n: (500, 0.0) if n <= 2 else (204, 0.0),  # fails twice, then accepts
        "/down": lambda n: (503, 2.0),  # answers too late for the 1 s timeout, every time
    }
    with webhook_receiver(behaviours) as receiver:
        subs = {}
        for path in behaviours:
            body = {"url": receiver.base_url + path, "event_types": [NEED_IDENTIFIED.type]}
            created = notifications.post("/webhooks", json=body, headers=admin)
            assert created.status_code == 201, created.text
            subs[path] = created.json()
        record = need_event()
        send(infra, namespace, record)
        send(infra, namespace, record)  # redelivered

        webhook_log = settled(notifications, admin, 2, channel="webhook")
        by_sub = {d["subscription_id"]: d for d in webhook_log}

        # Fails twice, then exactly one accepted call, properly signed, with the event as CloudEvents.
        assert [c.status for c in receiver.to("/flaky")] == [500, 500, 204]
        (accepted,) = receiver.accepted("/flaky")
        secret = subs["/flaky"]["secret"]
        timestamp = accepted.headers["x-bkpsdm-timestamp"]
        assert domain.signature_valid(secret, timestamp, accepted.body, accepted.headers["x-bkpsdm-signature"])
        assert abs(int(timestamp) - time.time()) < 60
        assert not domain.signature_valid(
            "another-secret", timestamp, accepted.body, accepted.headers["x-bkpsdm-signature"]
        )
        assert (
            accepted.headers["ce-type"] == NEED_IDENTIFIED.type and accepted.headers["ce-id"] == record.headers["ce_id"]
        )
        assert json.loads(accepted.body)["need_id"] == "2027-199002202015032001-M.05"
        # Every attempt is the same delivery, so a receiver can also drop a repeat itself.
        assert len({c.headers["x-bkpsdm-delivery-id"] for c in receiver.to("/flaky")}) == 1
        flaky = by_sub[subs["/flaky"]["subscription_id"]]
        assert (flaky["status"], flaky["attempts"]) == ("delivered", 3)
        assert [a["status_code"] for a in flaky["log"]] == [500, 500, None] and flaky["log"][-1]["accepted"]

        # Always failing: dead after 3 attempts, each logged with its error.
        down = by_sub[subs["/down"]["subscription_id"]]
        assert (down["status"], down["attempts"]) == ("dead", 3)
        assert all("Timeout" in a["error"] for a in down["log"])
        # ...while the e-mails of the same event went out before its first attempt had even timed out.
        first_attempt_ended = datetime.fromisoformat(down["log"][0]["at"]).timestamp() + 1.0
        for mail_delivery in deliveries(notifications, admin, channel="email"):
            assert mail_delivery["status"] == "delivered"
            assert datetime.fromisoformat(mail_delivery["delivered_at"]).timestamp() < first_attempt_ended
        assert len(mailbox.to(SITI)) == 1 and len(mailbox.to(AHMAD)) == 1

        # The receiver is fixed; BKPSDM replays the dead delivery, which is then accepted once.
        receiver.behaviours["/down"] = lambda n: (200, 0.0)
        replayed = notifications.post(f"/deliveries/{down['delivery_id']}/replay", headers=admin)
        assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
        again = eventually(
            lambda: (
                (d := notifications.get(f"/deliveries/{down['delivery_id']}", headers=admin).json())["status"]
                == "delivered"
                and d
            ),
            what="the replayed delivery accepted",
        )
        assert (again["attempts"], again["replays"], len(again["log"])) == (1, 1, 4)
        assert len(receiver.accepted("/down")) == 1
        # Only a dead delivery can be replayed.
        assert notifications.post(f"/deliveries/{down['delivery_id']}/replay", headers=admin).status_code == 409


def test_a_unit_head_who_chose_the_digest_gets_one_message_a_day_instead(
    notifications, mailbox, admin, infra, namespace
):
    chosen = notifications.patch("/directory/me", json={"digest": True}, headers=HEAD_H)
    assert chosen.status_code == 200 and chosen.json()["digest"] is True
    refused = notifications.patch("/directory/me", json={"digest": True}, headers=NURSE_H)
    assert refused.status_code == 422  # the digest is for unit heads and BKPSDM
    send(infra, namespace, need_event())
    # The digest lists entries in the order they arrived; two topics have no order between them.
    eventually(lambda: len(mailbox.to(SITI)) == 1, what="the need's message")
    send(infra, namespace, overdue_record())
    eventually(lambda: len(mailbox.to(RINA)) == 1, what="the overdue evaluation's message")
    assert inbox(notifications, HEAD_H)["total"] == 0 and mailbox.to(AHMAD) == []

    run = notifications.post("/digests/run", params={"day": "2027-09-01"}, headers=admin).json()
    assert run == {"day": "2027-09-01", "digests": 1, "items": 2}
    (digest,) = eventually(lambda: mailbox.to(AHMAD), what="the digest e-mail")
    assert digest.subject == "Daily digest 2027-09-01: 2 notifications"
    assert "1. Development need of your staff member" in digest.body
    assert "2. Level 3 (behaviour) evaluation overdue" in digest.body and "Answer it under Evaluations" in digest.body
    (message,) = inbox(notifications, HEAD_H)["items"]
    assert message["event_type"] == "Digest" and message["title"] == digest.subject

    # Running again the same day (the job and an admin both) adds nothing; what arrives later waits for
    # the next day's digest.
    assert notifications.post("/digests/run", params={"day": "2027-09-01"}, headers=admin).json()["digests"] == 0
    send(infra, namespace, escalation_record())
    eventually(lambda: len(mailbox.to(RINA)) == 2, what="the escalation")
    assert notifications.post("/digests/run", params={"day": "2027-09-01"}, headers=admin).json()["digests"] == 0
    next_day = notifications.post("/digests/run", params={"day": "2027-09-02"}, headers=admin).json()
    assert (next_day["digests"], next_day["items"]) == (1, 1)
    eventually(lambda: len(mailbox.to(AHMAD)) == 2, what="the second digest")
    time.sleep(0.5)
    assert len(mailbox.to(AHMAD)) == 2


def test_the_directory_is_kept_by_bkpsdm_and_a_bad_file_changes_nothing(notifications, admin):
    same_again = notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin)
    assert same_again.json() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    bad = (
        "nip,email,bahasa,kanal,ringkasan_harian\n"
        f"{NURSE},siti@puskesmas.example,fr,inbox,tidak\n"
        "12345,,id,email,ya\n"
        f"{HEAD},,en,inbox,tidak\n"
    )
    rejected = notifications.post("/directory/import", content=bad.encode(), headers={**admin, "Accept-Language": "en"})
    assert rejected.status_code == 422
    problems = {(p["line"], p["column"]) for p in rejected.json()["error"]["problems"]}
    assert problems == {(2, "bahasa"), (3, "nip"), (3, "kanal"), (3, "email"), (3, "ringkasan_harian")}
    assert rejected.json()["error"]["message"] == "5 problems in the file; nothing was saved."
    assert notifications.get(f"/directory/{NURSE}", headers=admin).json()["language"] == "id"
    with_nul = f"nip,nama,email\n{NURSE},Siti\x00,siti@puskesmas.example\n"
    refused = notifications.post("/directory/import", content=with_nul.encode(), headers=admin)
    assert refused.status_code == 422
    assert [(p["line"], p["column"]) for p in refused.json()["error"]["problems"]] == [(2, "nama")]

    put = notifications.put(
        f"/directory/{NURSE}", json={"email": "siti.baru@puskesmas.example", "language": "en"}, headers=admin
    )
    assert put.status_code == 200 and put.json()["channels"] == ["inbox"]
    # The needs service's NIP rule: a birth month of 13 is refused here too, naming the birth date.
    month_13 = notifications.put("/directory/199013202015032001", json={}, headers={**admin, "Accept-Language": "en"})
    assert month_13.status_code == 422 and "Digits 1-8 (19901320)" in month_13.json()["error"]["message"]
    heads = notifications.get("/directory", params={"head_of": UNIT}, headers=admin).json()
    assert [p["nip"] for p in heads["items"]] == [HEAD]
    assert notifications.put(f"/directory/{NURSE}", json={}, headers=NURSE_H).status_code == 403
    # Switching everything off would silence even the reminders a person must act on: the inbox stays.
    nothing = notifications.patch("/directory/me", json={"channels": []}, headers=NURSE_H)
    assert (nothing.status_code, nothing.json()["error"]["code"]) == (422, "invalid_person")
    assert (
        "inbox" in nothing.json()["error"]["messages"]["id"]
        and "always on" in nothing.json()["error"]["messages"]["en"]
    )
    assert notifications.get("/deliveries", headers=HEAD_H).status_code == 403
    assert (
        notifications.post("/webhooks", json={"url": "ftp://x", "event_types": ["x"]}, headers=admin).status_code == 422
    )


def test_an_unreachable_mail_server_holds_up_neither_the_inbox_nor_the_webhooks(run_service, admin, infra, namespace):
    closed_port = str(free_port())  # nothing listens there
    with (
        webhook_receiver({"/ok": lambda n: (200, 0.0)}) as receiver,
        run_service("notifications", SMTP_PORT=closed_port, **QUICK) as client,
    ):
        client.post("/directory/import", content=DIRECTORY.encode(), headers=admin)
        body = {"url": receiver.base_url + "/ok", "event_types": [NEED_IDENTIFIED.type]}
        assert client.post("/webhooks", json=body, headers=admin).status_code == 201
        send(infra, namespace, need_event())
        eventually(lambda: inbox(client, NURSE_H)["total"] == 1, what="Siti's inbox message")
        eventually(lambda: len(receiver.accepted("/ok")) == 1, what="the webhook call")
        mails = settled(client, admin, 2, channel="email")
        assert {(d["recipient_nip"], d["status"], d["attempts"]) for d in mails} == {
            (NURSE, "dead", 3),
            (HEAD, "dead", 3),
        }
        assert all("ConnectionRefusedError" in a["error"] for d in mails for a in d["log"])


def test_notices_waiting_for_a_digest_still_come_when_the_digest_is_switched_off(
    notifications, mailbox, admin, infra, namespace
):
    assert notifications.patch("/directory/me", json={"digest": True}, headers=HEAD_H).status_code == 200
    send(infra, namespace, need_event())
    send(infra, namespace, overdue_record())
    # Handled: the others' e-mails of the same events went out, so the head's entries are recorded.
    eventually(lambda: len(mailbox.to(RINA)) == 1 and len(mailbox.to(SITI)) == 1, what="messages per event")
    assert notifications.patch("/directory/me", json={"digest": False}, headers=HEAD_H).json()["digest"] is False

    run = notifications.post("/digests/run", params={"day": "2027-09-01"}, headers=admin).json()
    assert run == {"day": "2027-09-01", "digests": 1, "items": 2}
    (digest,) = eventually(lambda: mailbox.to(AHMAD), what="the waiting notices")
    assert digest.subject == "Daily digest 2027-09-01: 2 notifications"
    assert [m["event_type"] for m in inbox(notifications, HEAD_H)["items"]] == ["Digest"]
    # From now on one message per event again.
    send(infra, namespace, escalation_record())
    eventually(lambda: len(mailbox.to(AHMAD)) == 2, what="the escalation on its own")
    assert mailbox.to(AHMAD)[1].subject == "Evaluation escalated: NIP 199002202015032001"


def test_a_need_resolved_reaches_the_systems_subscribed_to_it_and_no_one_else(
    notifications, mailbox, admin, infra, namespace
):
    resolved = NeedResolved(
        need_id="2027-199002202015032001-M.05",
        nip=NURSE,
        unit_code=UNIT,
        competency_code="M.05",
        fiscal_year=2027,
        resolved_at=datetime(2027, 9, 1, tzinfo=UTC),
    )
    with webhook_receiver({"/resolved": lambda n: (204, 0.0)}) as receiver:
        body = {"url": receiver.base_url + "/resolved", "event_types": [NEED_RESOLVED.type]}
        assert notifications.post("/webhooks", json=body, headers=admin).status_code == 201
        send(infra, namespace, build_record(NEED_RESOLVED, resolved, subject=NURSE))
        (call,) = eventually(lambda: receiver.accepted("/resolved"), what="the NeedResolved webhook call")
        assert call.headers["ce-type"] == NEED_RESOLVED.type
        assert json.loads(call.body)["need_id"] == "2027-199002202015032001-M.05"
    assert inbox(notifications, NURSE_H)["total"] == 0 and mailbox.mails == []


def test_a_subscription_started_or_ended_takes_effect_with_the_next_event(run_service, admin, infra, namespace):
    """An event type's subscriptions are read through the reference cache (application/webhooks.py);
    this process's own subscribe and end are seen by the very next event, however long its TTL."""
    database = MongoClient(infra.mongodb_uri)[f"{namespace}_notifications"]
    with run_service("notifications", DISPATCH_ENABLED="false", REFERENCE_CACHE_TTL_S="3600") as notifications:

        def handled(competency, count):
            send(infra, namespace, need_resolved(competency=competency))
            eventually(lambda: database.processed_events.count_documents({}) == count, what=f"{competency} handled")

        handled("M.01", 1)  # cached: nobody takes NeedResolved
        body = {"url": "http://127.0.0.1:9/resolved", "event_types": [NEED_RESOLVED.type]}
        created = notifications.post("/webhooks", json=body, headers=admin)
        assert created.status_code == 201, created.text
        subscription = {"subscription_id": created.json()["subscription_id"]}
        handled("M.02", 2)
        assert database.deliveries.count_documents(subscription) == 1
        assert notifications.delete(f"/webhooks/{subscription['subscription_id']}", headers=admin).status_code == 200
        handled("M.03", 3)
        assert database.deliveries.count_documents(subscription) == 1  # none for the event after the end


def test_an_attempt_that_outlived_its_lease_neither_overwrites_the_newer_one_nor_goes_uncounted(run_service):
    # No dispatcher in this instance, so the claims here are the only ones.
    with run_service("notifications", DISPATCH_ENABLED="false", DIGEST_ENABLED="false"):
        now = datetime.now(UTC)
        DeliveryDocument(
            id="d-1",
            channel="webhook",
            event_id="e-1",
            event_type=NEED_IDENTIFIED.type,
            subscription_id="s-1",
            url="http://127.0.0.1:9/",
            body="{}",
            status="pending",
            next_attempt_at=now - timedelta(seconds=1),
            created_at=now,
        ).save(force_insert=True)
        policy = domain.RetryPolicy(max_attempts=3, backoff_s=60, backoff_max_s=60)
        # A lease that has already run out: the slow attempt is claimed again by another round.
        (slow,) = claim_due("webhook", 10, timedelta(0))
        (newer,) = claim_due("webhook", 10, timedelta(minutes=5))
        assert record_attempt(newer, policy, now, 20, DeliveryFailed("HTTP 500", 500)) == "failed"
        assert record_attempt(slow, policy, now, 60_000, DeliveryFailed("ReadTimeout")) == "lease_lost"
        d = DeliveryDocument.objects(id="d-1").get()
        assert (d.status, d.attempts, len(d.log)) == ("pending", 2, 2)
        # The newer attempt's retry stands: about a minute from now, not pushed about by the late one.
        assert d.next_attempt_at > now + timedelta(seconds=50)


@pytest.mark.slow
def test_a_mail_server_that_hangs_does_not_stall_the_consumers(run_service, admin, infra, namespace):
    # More stuck sends than any default thread pool has threads (at most 32): the handlers still run.
    heads = [f"1990010120150310{n:02d}" for n in range(1, 41)]  # serials from 001 (Perka BKN 22/2007)
    rows = "".join(
        f"{nip};Kepala {n};k{n}@unit.example;id;inbox,email;tidak;{UNIT};{UNIT};tidak\n" for n, nip in enumerate(heads)
    )
    directory = "nip;nama;email;bahasa;kanal;ringkasan_harian;kode_unit;kepala_unit;admin_bkpsdm\n" + rows
    settings = {**QUICK, "SMTP_TIMEOUT_S": "60", "DISPATCH_CONCURRENCY": "40", "DISPATCH_BATCH_SIZE": "100"}
    with silent_server() as port, run_service("notifications", SMTP_PORT=str(port), **settings) as client:
        assert client.post("/directory/import", content=directory.encode(), headers=admin).status_code == 200
        unit_need = need_payload(need_id="2027-unit-M.05", nip=None, source="public_satisfaction", unit_code=UNIT)
        send(infra, namespace, build_record(NEED_IDENTIFIED, unit_need, subject=UNIT))
        first = bearer(heads[0], Role.UNIT_HEAD, unit=UNIT)
        eventually(lambda: inbox(client, first)["total"] == 1, what="the unit need in the inbox")
        # Give the dispatcher time to start all 40 sends, each now waiting for a greeting that never comes.
        time.sleep(2)
        send(infra, namespace, need_event())
        eventually(lambda: inbox(client, NURSE_H)["total"] == 1, timeout_s=15, what="the next event in the inbox")


def test_a_need_announced_again_is_not_told_as_new(notifications, mailbox, admin, infra, namespace):
    def shortfall(jp, priority, identified_at):
        payload = need_payload(
            source="jp_shortfall",
            supervisor_nip=HEAD,
            priority=priority,
            priority_parts={"jp_shortfall": jp, "jp_minimum": 20},
            identified_at=identified_at,
        )
        return build_record(NEED_IDENTIFIED, payload, subject=NURSE)

    send(infra, namespace, shortfall(12, 3.0, datetime(2027, 2, 10, tzinfo=UTC)))
    eventually(lambda: len(mailbox.to(SITI)) == 1 and len(mailbox.to(AHMAD)) == 1, what="the need, told once")
    # Only its priority moved (a colleague's need came in): nobody hears of it again.
    send(infra, namespace, shortfall(12, 5.0, datetime(2027, 3, 1, tzinfo=UTC)))
    # The shortfall shrank after a course: told as an update, once, despite redelivery.
    update = shortfall(4, 2.0, datetime(2027, 4, 1, tzinfo=UTC))
    send(infra, namespace, update)
    send(infra, namespace, update)
    siti = eventually(lambda: (r := inbox(notifications, NURSE_H))["total"] == 2 and r, what="the update")
    latest, original = siti["items"]
    assert original["title"] == "Kebutuhan pengembangan: Pelayanan Publik"
    assert latest["title"] == "Pembaruan: Kebutuhan pengembangan: Pelayanan Publik"
    assert latest["body"].startswith("Kekurangan JP Anda berubah dari 12 menjadi 4 JP.")
    eventually(lambda: len(mailbox.to(AHMAD)) == 2, what="the head's update")
    assert mailbox.to(AHMAD)[1].subject.startswith("Update: ")
    time.sleep(1)
    assert inbox(notifications, NURSE_H)["total"] == 2 and len(mailbox.to(SITI)) == 2


def test_webhooks_to_addresses_inside_the_network_are_refused_at_registration_and_before_each_call(
    run_service, admin, infra, namespace
):
    # As in production (WEBHOOK_PUBLIC_ONLY), with this machine's receiver let through by name.
    settings = {**QUICK, "WEBHOOK_PUBLIC_ONLY": "true", "WEBHOOK_ALLOWED_HOSTS": "localhost"}
    with (
        webhook_receiver({"/named": lambda n: (204, 0.0), "/rebound": lambda n: (204, 0.0)}) as receiver,
        run_service("notifications", **settings) as notifications,
    ):
        for url in ("http://127.0.0.1:27017/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hook"):
            refused = notifications.post(
                "/webhooks", json={"url": url, "event_types": [NEED_RESOLVED.type]}, headers=admin
            )
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, "unsafe_url"), url
        assert notifications.get("/webhooks", headers=admin).json()["total"] == 0

        port = receiver.base_url.rsplit(":", 1)[1]
        named = {"url": f"http://localhost:{port}/named", "event_types": [NEED_RESOLVED.type]}
        assert notifications.post("/webhooks", json=named, headers=admin).status_code == 201
        # A subscription whose host resolved to a public address when it was made, and to this machine now.
        WebhookSubscriptionDocument(
            id="rebound",
            url=f"{receiver.base_url}/rebound",
            secret="s" * 32,
            event_types=[NEED_RESOLVED.type],
            created_by=ADMIN_NIP,
            created_at=datetime.now(UTC),
        ).save(force_insert=True)

        send(infra, namespace, need_resolved())
        eventually(lambda: receiver.accepted("/named"), what="the call to the named host")
        (rebound,) = settled(notifications, admin, 1, channel="webhook", status="dead")
        assert rebound["subscription_id"] == "rebound" and rebound["attempts"] == 3
        assert rebound["log"][0]["error"].startswith("not called: A webhook may only call public addresses")
    assert receiver.to("/rebound") == []
