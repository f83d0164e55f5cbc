"""SIASN training history from the notifications service: completions over the real broker, entries in the
real database, sent to a local receiver that checks every body like SIASN and answers like it."""

import csv
import io
import json

import pytest

from tests.support.demo import NURSE, UNIT
from tests.support.events import send
from tests.support.interop import completion
from tests.support.metrics import sample
from tests.support.siasn import siasn_receiver
from tests.support.waiting import eventually

OTHER = "198001012005011001"
PEOPLE = {NURSE: "8ae483a87c3d2c77017c3f5e1b2a0011", OTHER: "8ae483a87c3d2c77017c3f5e1b2a0022"}
STRANGER = "199912312020121001"  # not in SIASN
INSTANSI, LOKASI = "A5EB03E23CFBF6A0E040640A040252AD", "A5EB03E21D9EF6A0E040640A040252AD"


def siasn_env(receiver) -> dict[str, str]:
    return {
        "SIASN_ENABLED": "true",
        "SIASN_BASE_URL": receiver.api_url,
        "SIASN_TOKEN_URL": receiver.token_url,
        "SIASN_CLIENT_ID": receiver.client_id,
        "SIASN_CLIENT_SECRET": receiver.client_secret,
        "SIASN_INSTANSI_ID": INSTANSI,
        "SIASN_LOKASI_ID": LOKASI,
        "SIASN_TIMEOUT_S": "5",
        # Rounds on demand (POST /siasn/sync) only, and a retryable entry due again at once.
        "SIASN_SYNC_INTERVAL_S": "86400",
        "SIASN_RETRY_BACKOFF_S": "0",
        "DIGEST_ENABLED": "false",
    }


def seat(n: int, nip: str = NURSE, **overrides):
    fields = {
        "enrolment_id": f"PL-2027-{n:02d}:{nip}",
        "nip": nip,
        "batch_code": f"PL-2027-{n:02d}",
        "certificate_number": f"BKPSDM-MDN/2027/{n:08d}",
    }
    return completion(**(fields | overrides))


def entries(client, admin, **params):
    return client.get("/siasn/entries", params={"limit": 500, **params}, headers=admin).json()["items"]


def recorded(client, admin, count):
    return eventually(lambda: len(e := entries(client, admin)) == count and e, timeout_s=60, what=f"{count} entries")


def sync(client, admin):
    response = client.post("/siasn/sync", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def receiver():
    with siasn_receiver(PEOPLE) as r:
        yield r


def test_completions_reach_siasn_once_as_kursus_or_diklat_with_each_outcome_visible(
    run_service, receiver, admin, infra, namespace
):
    events = [
        seat(1),
        seat(2, nip=OTHER, unit_code="DISKOMINFO"),
        seat(3, program_code="PKA-2027-I", program_title="Pelatihan Kepemimpinan Administrator", jp=480),
        seat(4, nip=STRANGER),
    ]
    with run_service("notifications", **siasn_env(receiver)) as client:
        for event in events:
            send(infra, namespace, event.record)
        recorded(client, admin, 4)
        assert sync(client, admin) == {"sent": 3, "refused": 1, "retryable": 0}
        for event in events:  # redelivered: no second entry, nothing sent again
            send(infra, namespace, event.record)
        assert sync(client, admin) == {"sent": 0, "refused": 0, "retryable": 0}
        metrics = client.get("/metrics").text
        assert sample(metrics, "siasn_entries_synced_total", outcome="sent") == 3
        assert sample(metrics, "siasn_entries_synced_total", outcome="refused") == 1
        by_id = {e["entry_id"]: e for e in recorded(client, admin, 4)}

    assert len(receiver.saves()) == 3
    kursus = {r["noSertipikat"]: r for r in receiver.records["kursus"]}
    assert set(kursus) == {"BKPSDM-MDN/2027/00000001", "BKPSDM-MDN/2027/00000002"}
    assert kursus["BKPSDM-MDN/2027/00000001"]["tanggalKursus"] == "01-03-2027"
    assert kursus["BKPSDM-MDN/2027/00000001"]["jumlahJam"] == 24
    [diklat] = receiver.records["diklat"]
    assert (diklat["nomor"], diklat["latihanStrukturalId"]) == ("BKPSDM-MDN/2027/00000003", "3")

    sent = by_id[f"PL-2027-01:{NURSE}"]
    assert (sent["status"], sent["riwayat"], sent["siasn_id"]) == (
        "sent",
        "kursus",
        kursus[sent["certificate_number"]]["id"],
    )
    assert by_id[f"PL-2027-03:{NURSE}"]["riwayat"] == "diklat"
    refused = by_id[f"PL-2027-04:{STRANGER}"]
    assert refused["status"] == "refused" and refused["reason"] == f"NIP {STRANGER} tidak ditemukan di SIASN"
    assert refused["reason_en"] == f"NIP {STRANGER} is not in SIASN"
    assert [a["status"] for a in refused["log"]] == ["refused"]


def test_a_refused_entry_is_sent_again_once_siasn_knows_the_person(run_service, receiver, admin, infra, namespace):
    with run_service("notifications", **siasn_env(receiver)) as client:
        send(infra, namespace, seat(5, nip=STRANGER).record)
        [entry] = recorded(client, admin, 1)
        assert sync(client, admin)["refused"] == 1
        assert client.post("/siasn/entries/unknown/resend", headers=admin).status_code == 404
        receiver.people[STRANGER] = "8ae483a87c3d2c77017c3f5e1b2a0033"  # BKN added the person
        resent = client.post(f"/siasn/entries/{entry['entry_id']}/resend", headers=admin)
        assert resent.json()["status"] == "pending"
        assert client.post(f"/siasn/entries/{entry['entry_id']}/resend", headers=admin).status_code == 409
        assert sync(client, admin)["sent"] == 1
        final = client.get(f"/siasn/entries/{entry['entry_id']}", headers=admin).json()
    assert [a["status"] for a in final["log"]] == ["refused", "sent"] and final["reason"] is None
    assert [r["nipBaru"] for r in receiver.records["kursus"]] == [STRANGER]


def test_a_token_expiring_mid_run_and_a_failed_save_lose_nothing_and_double_nothing(
    run_service, admin, infra, namespace
):
    with siasn_receiver(PEOPLE, expire_tokens_after_saves=2) as receiver:
        receiver.fail_next_saves(503)  # the first save: SIASN is briefly unavailable
        with run_service("notifications", **siasn_env(receiver)) as client:
            for n in range(10, 16):
                send(infra, namespace, seat(n).record)
            recorded(client, admin, 6)
            assert sync(client, admin) == {"sent": 5, "refused": 0, "retryable": 1}
            [retryable] = entries(client, admin, status="retryable")
            assert retryable["log"][0]["http_status"] == 503 and "503" in retryable["reason"]
            assert sync(client, admin) == {"sent": 1, "refused": 0, "retryable": 0}
            assert {e["status"] for e in entries(client, admin)} == {"sent"}
        assert len(receiver.token_requests) == 3  # first round, after the expiry mid-round, second round
        assert [c.status for c in receiver.calls if c.status == 401] == [401]
        certificates = sorted(r["noSertipikat"] for r in receiver.records["kursus"])
        assert certificates == [f"BKPSDM-MDN/2027/{n:08d}" for n in range(10, 16)]


def test_bkpsdm_edits_the_table_every_version_is_kept_and_the_export_follows_it(
    run_service, receiver, admin, infra, namespace
):
    with run_service("notifications", **siasn_env(receiver)) as client:
        for event in (seat(1), seat(2, nip=OTHER, unit_code="DISKOMINFO", program_title='=HYPERLINK("x")')):
            send(infra, namespace, event.record)
        recorded(client, admin, 2)
        current = client.get("/siasn/table", headers=admin).json()
        assert current["version"] == 0 and len(current["table"]["rules"]) == 20

        rules = current["table"]["rules"]
        broken = client.put(
            "/siasn/table", json={"rules": [*rules[:1], {**rules[4], "jenisDiklatId": "99"}]}, headers=admin
        )
        assert broken.status_code == 422 and "jenisDiklatId '99'" in broken.json()["error"]["messages"]["en"]
        # Managerial training recorded as Bimbingan Teknis (8) from now on.
        edited = [{**r, "jenisDiklatId": "8"} if r.get("jenisDiklatId") == "5" else r for r in rules]
        saved = client.put("/siasn/table", json={"rules": edited, "note": "Arahan BKN 2027"}, headers=admin)
        assert saved.status_code == 200, saved.text
        versions = client.get("/siasn/table/versions", headers=admin).json()["items"]

        exported = client.get(
            "/siasn/export", params={"completed_from": "2027-03-01", "unit_code": UNIT}, headers=admin
        )
        as_csv = client.get("/siasn/export", params={"format": "csv", "unit_code": "DISKOMINFO"}, headers=admin)
        outside = client.get("/siasn/export", params={"completed_until": "2027-02-28"}, headers=admin).json()

    assert [(v["version"], v["note"]) for v in versions] == [(1, "Arahan BKN 2027")]
    assert versions[0]["changed_by"] and versions[0]["changed_at"]
    [item] = json.loads(exported.text)["items"]
    assert (item["nip"], item["endpoint"], item["body"]["jenisDiklatId"]) == (NURSE, "/kursus/save", "8")
    [row] = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert (row["nip"], row["namaKursus"], row["jenisDiklatId"]) == (OTHER, '\'=HYPERLINK("x")', "8")
    assert outside["count"] == 0
