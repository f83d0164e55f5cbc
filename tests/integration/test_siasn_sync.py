"""The SIASN sync client against a local receiver that checks bodies strictly and answers like SIASN."""

from dataclasses import replace
from datetime import date

import pytest

from shared.interop.siasn import Agency, JenisDiklatTable, SiasnItem, map_completion
from shared.interop.siasn_client import ClientCredentials, SiasnClient, SsoPassword, Status
from tests.support.demo import NURSE
from tests.support.interop import completion
from tests.support.processes import free_port
from tests.support.siasn import SiasnReceiver, siasn_receiver

OTHER = "198001012005011001"
PEOPLE = {NURSE: "8ae483a87c3d2c77017c3f5e1b2a0011", OTHER: "8ae483a87c3d2c77017c3f5e1b2a0022"}
AGENCY = Agency(instansi_id="A5EB03E23CFBF6A0E040640A040252AD", lokasi_id="A5EB03E21D9EF6A0E040640A040252AD")
TABLE = JenisDiklatTable.load()


def entry(n: int = 1, **overrides) -> SiasnItem:
    fields = {"enrolment_id": f"PL-2027-{n:02d}:{NURSE}", "certificate_number": f"BKPSDM-MDN/2027/{n:08d}"}
    return map_completion(completion(**(fields | overrides)).payload, table=TABLE, agency=AGENCY)


def client_for(receiver: SiasnReceiver, secret: str | None = None, **options) -> SiasnClient:
    credentials = ClientCredentials(receiver.token_url, receiver.client_id, secret or receiver.client_secret)
    return SiasnClient(receiver.api_url, credentials, timeout_s=5, **options)


async def test_a_completion_is_sent_and_siasn_holds_exactly_the_mapped_entry():
    item = entry()
    with siasn_receiver(PEOPLE) as receiver:
        async with client_for(receiver) as client:
            [outcome] = await client.sync([item])
        assert outcome.status is Status.SENT and outcome.reference == item.reference
        [stored] = receiver.records["kursus"]
        assert outcome.siasn_id == stored["id"] and len(outcome.siasn_id) == 32
        [save] = receiver.saves()
        assert save.path == "/apisiasn/1.0/kursus/save"
        assert save.body == item.body | {"pnsOrangId": PEOPLE[NURSE]}
        assert save.headers["authorization"].startswith("Bearer ")
        # read back under SIASN's reading spelling
        assert stored["noSertipikat"] == item.body["nomorSertipikat"] and stored["nipBaru"] == NURSE


async def test_structural_training_goes_to_riwayat_diklat():
    item = entry(program_code="PKA-2027-I", program_title="Pelatihan Kepemimpinan Administrator", jp=480)
    with siasn_receiver(PEOPLE) as receiver:
        async with client_for(receiver) as client:
            [outcome] = await client.sync([item])
        assert outcome.status is Status.SENT
        assert [c.path for c in receiver.saves()] == ["/apisiasn/1.0/diklat/save"]
        assert receiver.records["diklat"][0]["id"] == outcome.siasn_id
        assert receiver.records["kursus"] == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"tanggalKursus": "2027-03-01"}, "Format tanggalKursus/tanggalSelesaiKursus harus dd-mm-yyyy"),
        ({"jumlahJam": "24"}, "jumlahJam harus integer"),
        ({"jenisDiklatId": "99", "jenisKursusSertipikat": "T"}, "jenisDiklatId 99 tidak ada di referensi"),
        ({"jenisKursusSertipikat": "P"}, "jenisKursusSertipikat untuk jenisDiklatId 5 harus T"),
        ({"namaKursus": ""}, "namaKursus harus string dan tidak boleh kosong"),
        ({"noSertipikat": "x"}, "Field tidak dikenal: noSertipikat"),
        ({"tanggalSelesaiKursus": "28-02-2027"}, "tanggalSelesaiKursus tidak boleh sebelum tanggalKursus"),
    ],
)
async def test_a_body_siasn_would_not_take_is_refused_with_its_reason_and_nothing_is_stored(change, reason):
    item = entry()
    bad = replace(item, body=item.body | change)
    with siasn_receiver(PEOPLE) as receiver:
        async with client_for(receiver) as client:
            [outcome] = await client.sync([bad])
        assert (outcome.status, outcome.reason) == (Status.REFUSED, f"Ditolak SIASN: {reason}")
        assert outcome.reason_en == f"Refused by SIASN: {reason}"
        assert receiver.records == {"kursus": [], "diklat": []}


async def test_a_refusal_answered_with_an_http_error_is_still_a_refusal_with_siasns_reason():
    bad = replace(entry(), body=entry().body | {"tahunKursus": 2026})
    with siasn_receiver(PEOPLE, refusal_status=400) as receiver:
        async with client_for(receiver) as client:
            outcome = await client.send(bad)
    assert (outcome.status, outcome.http_status) == (Status.REFUSED, 400)
    assert outcome.reason == "Ditolak SIASN (400): tahunKursus tidak sesuai dengan tanggalSelesaiKursus"


async def test_a_person_siasn_does_not_know_is_refused_and_the_others_are_sent():
    unknown = entry(3, nip="199912312020121001", enrolment_id="PL-2027-03:199912312020121001")
    with siasn_receiver(PEOPLE) as receiver:
        async with client_for(receiver) as client:
            outcomes = await client.sync([entry(1), unknown, entry(2, nip=OTHER, enrolment_id=f"PL-2027-02:{OTHER}")])
    assert [o.status for o in outcomes] == [Status.SENT, Status.REFUSED, Status.SENT]
    assert outcomes[1].reason == "NIP 199912312020121001 tidak ditemukan di SIASN"
    assert [r["nipBaru"] for r in receiver.records["kursus"]] == [NURSE, OTHER]


async def test_a_token_expiring_mid_run_is_fetched_again_and_no_item_is_lost_or_doubled():
    items = [entry(n) for n in range(1, 6)]
    with siasn_receiver(PEOPLE) as receiver:
        async with client_for(receiver) as client:
            first = await client.sync(items[:2])
            receiver.expire_tokens()
            rest = await client.sync(items[2:])
        outcomes = first + rest
        assert [o.status for o in outcomes] == [Status.SENT] * 5
        assert len(receiver.token_requests) == 2
        assert [c.status for c in receiver.calls if c.status == 401] == [401]  # one refused call, then a new token
        certificates = sorted(r["noSertipikat"] for r in receiver.records["kursus"])
        assert certificates == sorted(i.body["nomorSertipikat"] for i in items)


async def test_a_token_is_renewed_before_it_expires_without_a_refused_call():
    now = [1000.0]
    with siasn_receiver(PEOPLE, token_ttl_s=600) as receiver:
        async with client_for(receiver, clock=lambda: now[0], token_margin_s=30) as client:
            await client.sync([entry(1)])
            now[0] += 575  # 25 s left of 600: inside the 30 s margin
            [outcome] = await client.sync([entry(2)])
        assert outcome.status is Status.SENT
        assert len(receiver.token_requests) == 2
        assert not [c for c in receiver.calls if c.status == 401]


async def test_sso_tokens_go_in_the_auth_header_when_configured():
    with siasn_receiver(PEOPLE, sso_user=("operator.bkpsdm", "kata-sandi")) as receiver:
        sso = SsoPassword(receiver.sso_token_url, "simpeg-medan", "operator.bkpsdm", "kata-sandi")
        async with client_for(receiver, sso=sso) as client:
            [outcome] = await client.sync([entry()])
        assert outcome.status is Status.SENT
        assert receiver.saves()[0].headers["auth"].startswith("bearer ")
        async with client_for(receiver) as without_sso:
            [refused] = await without_sso.sync([entry(2)])
        assert (refused.status, refused.http_status) == (Status.RETRYABLE, 401)


async def test_a_failed_save_is_retryable_and_the_retry_stores_it_once():
    items = [entry(1), entry(2)]
    with siasn_receiver(PEOPLE) as receiver:
        receiver.fail_next_saves(503)
        async with client_for(receiver) as client:
            first = await client.sync(items)
            assert [o.status for o in first] == [Status.RETRYABLE, Status.SENT]
            assert first[0].http_status == 503
            [again] = await client.sync([items[0]])
        assert again.status is Status.SENT and not again.already_in_siasn
        assert len(receiver.records["kursus"]) == 2


async def test_a_save_whose_answer_was_lost_is_found_in_the_history_instead_of_stored_again():
    item = entry()
    with siasn_receiver(PEOPLE) as receiver:
        receiver.fail_next_saves(502, after_storing=True)
        async with client_for(receiver) as client:
            [lost] = await client.sync([item])
            [again] = await client.sync([item])
        assert lost.status is Status.RETRYABLE
        [stored] = receiver.records["kursus"]
        assert (again.status, again.siasn_id, again.already_in_siasn) == (Status.SENT, stored["id"], True)
        assert len(receiver.saves()) == 1


async def test_refused_credentials_stop_the_run_and_leave_every_item_retryable():
    with siasn_receiver(PEOPLE) as receiver:
        async with client_for(receiver, secret="salah") as client:
            outcomes = await client.sync([entry(1), entry(2), entry(3)])
        assert [o.status for o in outcomes] == [Status.RETRYABLE] * 3
        assert outcomes[0].reason.startswith("SIASN menolak permintaan token (401): Client Authentication failed.")
        assert len(receiver.token_requests) == 1 and receiver.saves() == []


async def test_an_unreachable_siasn_leaves_every_item_retryable():
    port = free_port()
    credentials = ClientCredentials(f"http://127.0.0.1:{port}/oauth2/token", "c", "s")
    async with SiasnClient(f"http://127.0.0.1:{port}/apisiasn/1.0", credentials, timeout_s=2) as client:
        outcomes = await client.sync([entry(1), entry(2, completed_on=date(2027, 3, 4))])
    assert [o.status for o in outcomes] == [Status.RETRYABLE] * 2
    assert all("tidak dapat dihubungi" in o.reason for o in outcomes)
