"""A service killed between its state write and its publication publishes when it comes back."""

import json

import httpx

from shared.events import NEED_IDENTIFIED
from tests.support.demo import NURSE, UNIT
from tests.support.kafka import read_topic, wait_for_records


def test_a_need_written_but_not_yet_published_is_published_after_a_crash(start_service, admin, infra, namespace):
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    # The relay is held back, which freezes the service right after the write, before the publish.
    needs = start_service("needs", OUTBOX_RELAY_ENABLED="false")
    with httpx.Client(base_url=needs.url, headers=admin, timeout=10) as http:
        for path, body in [
            (f"/units/{UNIT}", {"name": "Puskesmas Padang Bulan", "kind": "puskesmas", "front_line": True}),
            ("/positions/PERAWAT", {"title": "Perawat", "type": "fungsional", "standard": {"M.05": 3}}),
            (f"/employees/{NURSE}", {"name": "Siti Rahmawati", "unit_code": UNIT, "position_code": "PERAWAT"}),
        ]:
            assert http.put(path, json=body).status_code == 200
        response = http.post(
            "/assessments",
            json={
                "nip": NURSE,
                "competency_code": "M.05",
                "level": 1,
                "source": "assessment_centre",
                "assessed_on": "2027-02-10",
            },
        )
        assert response.status_code == 201
        assert http.get("/needs", params={"nip": NURSE}).json()["total"] == 1
    assert read_topic(infra.kafka_bootstrap_servers, topic) == []

    needs.kill()  # SIGKILL: no shutdown hook gets to flush anything
    needs.start().wait_ready()  # same database, relay on

    (record,) = wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: r.key == NURSE)
    assert json.loads(record.value)["need_id"] == "2027-199002202015032001-M.05"
    # Nothing else is pending: a further relay round publishes no second copy.
    assert len(read_topic(infra.kafka_bootstrap_servers, topic, idle_s=2.0)) == 1
