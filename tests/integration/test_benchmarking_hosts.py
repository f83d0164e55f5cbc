"""The register of benchmarking hosts over the real database and broker: a host is kept with its evidence
and where it came from, a benchmarking-visit batch goes only to a registered host, and the completion
names the host."""

from shared.events import PROGRAM_COMPLETED
from tests.integration.test_training_plan import events_of, seat_of
from tests.support.demo import NURSE, program_body, schedule
from tests.support.events import need_event, send
from tests.support.kafka import wait_for_records

SPBE = {
    "indicator": "spbe_index",
    "value": 4.12,
    "year": 2023,
    "source_url": "https://spbe.example.go.id/hasil-evaluasi-2023",
    "source_document": "Keputusan MenPANRB tentang Hasil Evaluasi SPBE 2023",
}
HOST = {"name": "Pemerintah Kota Contoh", "kind": "region", "known_for": "Mal pelayanan publik digital"}


def test_a_benchmarking_visit_goes_to_a_registered_host_and_its_completion_names_it(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        unsourced = training.put(
            "/hosts/KOTA-CONTOH",
            json=HOST | {"evidence": [SPBE | {"source_url": None, "source_document": None}]},
            headers=admin,
        )
        assert (unsourced.status_code, unsourced.json()["error"]["code"]) == (422, "evidence_unsourced")
        assert training.put("/hosts/KOTA-CONTOH", json=HOST | {"evidence": []}, headers=admin).status_code == 422
        host = training.put("/hosts/KOTA-CONTOH", json=HOST | {"evidence": [SPBE]}, headers=admin).json()
        (evidence,) = host["evidence"]
        assert (evidence["value"], evidence["year"], evidence["recorded_by"]) == (4.12, 2023, "197805122003121002")
        # Recorded again unchanged, the figure keeps when it was first recorded.
        again = training.put("/hosts/KOTA-CONTOH", json=HOST | {"evidence": [SPBE]}, headers=admin).json()
        assert again["evidence"][0]["recorded_at"] == evidence["recorded_at"]

        visit = program_body(
            {"M.05": 3}, title="Patok Banding Pelayanan Digital", form="benchmarking_visit", jp=None, days=None
        )
        visit |= {"jp": 16}
        assert training.put("/programs/PB-DIGITAL", json=visit, headers=admin).status_code == 200
        phase = {
            "fiscal_year": 2027,
            "title": "Tahap 1",
            "starts_on": "2027-03-01",
            "ends_on": "2027-06-30",
            "budget": 1e8,
        }
        training.put("/phases/T1-2027", json=phase, headers=admin)
        batch = {
            "phase_code": "T1-2027",
            "program_code": "PB-DIGITAL",
            "starts_on": "2027-03-08",
            "ends_on": "2027-03-11",
        }
        for host_code in (None, "KOTA-LAIN"):
            refused = training.put("/batches/PB-1", json=batch | {"host_code": host_code}, headers=admin)
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, "host_required")
        placed = schedule(training, admin, "PB-1", "PB-DIGITAL", host_code="KOTA-CONTOH", sessions=1)
        assert placed["host_code"] == "KOTA-CONTOH"

        send(infra, namespace, need_event())
        seat = seat_of(training, admin, NURSE)["enrolment_id"]
        assert training.post(f"/enrolments/{seat}/confirm", headers=admin).status_code == 200
        training.put("/batches/PB-1/sessions/1/attendance", json={"present": [NURSE]}, headers=admin)
        training.put(f"/enrolments/{seat}/scores", json={"pre_score": 60, "post_score": 80}, headers=admin)
        closed = training.post("/batches/PB-1/completion", json={"completed_on": "2027-03-11"}, headers=admin)
        assert closed.json()["seats"]["completed"] == 1, closed.text

    wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{PROGRAM_COMPLETED.topic}", lambda r: r.key == NURSE)
    (completed,) = events_of(infra, namespace, PROGRAM_COMPLETED, NURSE)
    assert (completed["form"], completed["host_code"]) == ("benchmarking_visit", "KOTA-CONTOH")
