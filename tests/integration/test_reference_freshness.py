"""The reference-data cache's freshness rule over the real database and broker (shared/cache.py): what a
service writes itself, through its API or an import, its next read sees at once; a change made behind
its back (another replica, a direct database edit) is seen within REFERENCE_CACHE_TTL_S, and at once
with 0."""

from pymongo import MongoClient

from services.needs.documents import PositionDocument, UnitDocument
from shared.events import NEED_IDENTIFIED, build_record
from shared.persistence import levels_to_documents
from tests.integration.test_needs_imports import run_job
from tests.integration.test_notifications import DIRECTORY, HEAD_H, NURSE_H, inbox
from tests.support.demo import HEAD, NURSE, UNIT, assess, load_puskesmas, program_body, schedule
from tests.support.events import enrolments, need_event, need_payload, send
from tests.support.waiting import eventually

NURSE_POSITION = {"title": "Perawat Ahli Pertama", "type": "fungsional", "standard": {"M.05": 3, "M.03": 2}}


def needed(result):
    need = result["need"]
    return need["required_level"], need["gap"], need["priority"]


def test_the_needs_services_own_writes_are_seen_by_its_next_assessment(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        # Standard 3, assessed 1, front line: gap 2, priority 2 x 1.0 x 1.5; now cached.
        assert needed(assess(needs, admin, 1)) == (3, 2, 3.0)

        position = NURSE_POSITION | {"standard": {"M.05": 2, "M.03": 2}}
        assert needs.put("/positions/PERAWAT", json=position, headers=admin).status_code == 200
        unit = {"name": "Puskesmas Padang Bulan", "kind": "puskesmas", "parent_code": "DINKES", "front_line": False}
        assert needs.put(f"/units/{UNIT}", json=unit, headers=admin).status_code == 200
        assert needed(assess(needs, admin, 1)) == (2, 1, 1.0)

        # An import is a write of the service's own too.
        positions = "kode_jabatan,nama_jabatan,jenis_jabatan,kode_unit,standar\nPERAWAT,Perawat,fungsional,,M.05=4\n"
        assert run_job(needs, admin, "/imports/positions", positions)["report"]["updated"] == 1
        units = f"kode_unit;nama_unit;jenis;kode_unit_induk;garis_depan\n{UNIT};Puskesmas;puskesmas;DINKES;ya\n"
        assert run_job(needs, admin, "/imports/units", units)["report"]["updated"] == 1
        assert needed(assess(needs, admin, 1)) == (4, 3, 4.5)


def test_a_change_behind_the_services_back_is_seen_within_the_ttl(run_service, admin):
    with run_service("needs", REFERENCE_CACHE_TTL_S="3") as needs:
        load_puskesmas(needs, admin)
        assert needed(assess(needs, admin, 1)) == (3, 2, 3.0)
        # As another replica or a database script would: not through this process.
        PositionDocument.objects(code="PERAWAT").update_one(set__standard=levels_to_documents({"M.05": 2}))
        UnitDocument.objects(code=UNIT).update_one(set__front_line=False)
        assert needed(assess(needs, admin, 1)) == (3, 2, 3.0)  # at most 3 s old, as documented
        eventually(lambda: needed(assess(needs, admin, 1)) == (2, 1, 1.0), timeout_s=30, what="the TTL to pass")


def test_with_a_ttl_of_zero_nothing_is_cached(run_service, admin):
    with run_service("needs", REFERENCE_CACHE_TTL_S="0") as needs:
        load_puskesmas(needs, admin)
        assert needed(assess(needs, admin, 1)) == (3, 2, 3.0)
        PositionDocument.objects(code="PERAWAT").update_one(set__standard=levels_to_documents({"M.05": 2}))
        assert needed(assess(needs, admin, 1))[:2] == (2, 1)


def unit_need(need_id):
    payload = need_payload(need_id=need_id, nip=None, source="public_satisfaction", unit_code=UNIT)
    return build_record(NEED_IDENTIFIED, payload, subject=UNIT)


def test_the_directory_written_through_the_api_routes_the_next_event_and_words_the_inbox(
    run_service, admin, infra, namespace
):
    with run_service("notifications", DISPATCH_ENABLED="false") as notifications:
        assert notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin).status_code == 200
        send(infra, namespace, unit_need("2027-unit-M.05"))
        # The head, in English as he chose; the unit's heads and his entry are now cached.
        first = eventually(lambda: (r := inbox(notifications, HEAD_H))["total"] == 1 and r, what="the head's notice")
        assert first["items"][0]["language"] == "en"

        # The nurse becomes a head of the unit too, and the head switches to Indonesian.
        nurse = {"name": "Siti Rahmawati", "unit_code": UNIT, "head_of_units": [UNIT]}
        assert notifications.put(f"/directory/{NURSE}", json=nurse, headers=admin).status_code == 200
        assert notifications.patch("/directory/me", json={"language": "id"}, headers=HEAD_H).status_code == 200
        assert {m["language"] for m in inbox(notifications, HEAD_H)["items"]} == {"id"}

        send(infra, namespace, unit_need("2027-unit-M.03"))
        # Only the second: she was no head when the first came.
        eventually(lambda: inbox(notifications, NURSE_H)["total"] == 1, what="the new head told")

        # Edited behind the service's back: the inbox keeps the cached choice until the TTL (60 s) passes.
        db = MongoClient(infra.mongodb_uri)[f"{namespace}_notifications"]
        db.people.update_one({"_id": HEAD}, {"$set": {"language": "en"}})
        assert {m["language"] for m in inbox(notifications, HEAD_H)["items"]} == {"id"}


def test_a_programme_changed_through_the_api_is_what_the_next_seat_change_judges_by(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        assert training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin).status_code == 200
        schedule(training, admin, "PRIMA-1", "PRIMA", sessions=1)
        send(infra, namespace, need_event())
        seat = eventually(lambda: enrolments(training, admin, nip=NURSE)["items"], what="a seat")[0]["enrolment_id"]
        # Confirming and the attendance read the programme (passing score 70): now cached.
        assert training.post(f"/enrolments/{seat}/confirm", headers=admin).status_code == 200
        present = training.put("/batches/PRIMA-1/sessions/1/attendance", json={"present": [NURSE]}, headers=admin)
        assert present.status_code == 200, present.text
        training.put(f"/enrolments/{seat}/scores", json={"pre_score": 50, "post_score": 65}, headers=admin)

        lowered = program_body({"M.05": 3}, passing_score=60)
        assert training.put("/programs/PRIMA", json=lowered, headers=admin).status_code == 200
        done = training.post(f"/enrolments/{seat}/completion", headers=admin).json()
        assert done["status"] == "completed", done
