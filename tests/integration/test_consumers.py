"""At-least-once consumption over the real broker: redelivery has one effect, poison never stalls."""

import json

from shared.events import NEED_IDENTIFIED
from tests.support.demo import NURSE, program_body, schedule
from tests.support.events import enrolments, need_event, planned_needs, send
from tests.support.kafka import publish_raw, wait_for_records
from tests.support.metrics import sample
from tests.support.waiting import eventually


def consumed(client, outcome):
    text = client.get("/metrics").text
    return sample(text, "events_consumed_total", consumer="place-needs", event_type="NeedIdentified", outcome=outcome)


def test_the_same_event_delivered_twice_has_one_effect(run_service, admin, infra, namespace):
    with run_service("training") as training:
        assert training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin).status_code == 200
        schedule(training, admin, "PRIMA-1", "PRIMA")
        record = need_event()
        send(infra, namespace, record)
        send(infra, namespace, record)  # a redelivery: same ce_id
        # A later announcement of the same need (new event id) does not place the person twice either.
        send(infra, namespace, need_event(), ce_id="another-announcement-of-the-same-need")

        eventually(lambda: consumed(training, "duplicate") + consumed(training, "applied") >= 3, what="3 deliveries")
        assert consumed(training, "duplicate") == 1.0
        eventually(lambda: enrolments(training, admin, nip=NURSE)["total"] == 1, what="a seat")
        training.post("/plans/2027/run", headers=admin)  # planning again changes nothing either
        result = enrolments(training, admin, nip=NURSE)
        assert result["total"] == 1
        (enrolment,) = result["items"]
        assert (enrolment["batch_code"], enrolment["status"]) == ("PRIMA-1", "proposed")


def test_a_need_no_programme_covers_is_waitlisted_with_its_reason(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/BASIC", json=program_body({"M.05": 2}), headers=admin)
        send(infra, namespace, need_event(required=4))
        need = eventually(
            lambda: (n := planned_needs(training, admin)["items"]) and n[0]["status"] == "waitlisted" and n[0],
            what="waitlisted need",
        )
        assert need["reason_code"] == "no_programme"
        assert need["explanation_en"] == "No ready programme covers M.05 up to level 4."
        assert need["explanation"] == "Belum ada program siap yang mencakup M.05 sampai level 4."


def test_poison_records_go_to_the_dead_letter_topic_and_the_flow_goes_on(run_service, admin, infra, namespace):
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        good = need_event()
        publish_raw(infra.kafka_bootstrap_servers, topic, key=NURSE, headers=good.headers, value=b"{not json")
        send(infra, namespace, good, ce_source="/bkpsdm-medan/training")  # forged origin
        send(infra, namespace, good)
        eventually(lambda: planned_needs(training, admin)["total"] == 1, what="valid event applied")

    dead = wait_for_records(infra.kafka_bootstrap_servers, f"{topic}.dlq", lambda r: True, count=2)
    malformed, forged = sorted(dead, key=lambda r: int(r.headers["dlq_original_offset"]))
    assert malformed.value == b"{not json" and "does not match" in malformed.headers["dlq_error"]
    assert "may not publish NeedIdentified" in forged.headers["dlq_error"]
    assert json.loads(forged.value)["need_id"] == "2027-199002202015032001-M.05"  # kept as received, for replay
    for record in dead:
        assert record.headers["dlq_original_topic"] == topic
        assert record.headers["dlq_consumer_group"] == f"{namespace}.training.place-needs"
        assert record.headers["dlq_attempts"] == "0"
