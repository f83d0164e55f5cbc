"""Completions as SIASN training-history entries, the editable form table, and the hand-upload export."""

import csv
import io
import json
from datetime import date
from importlib import resources

import pytest

from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.interop.settings import SiasnSettings
from shared.interop.siasn import Agency, InvalidTable, JenisDiklatTable, map_completion, select
from shared.interop.siasn_export import to_csv, to_json
from tests.support.demo import NURSE, UNIT
from tests.support.interop import completion

TABLE = JenisDiklatTable.load()
AGENCY = Agency(instansi_id="A5EB03E23CFBF6A0E040640A040252AD", lokasi_id="A5EB03E21D9EF6A0E040640A040252AD")
RULES = json.loads((resources.files("shared.interop") / "data" / "siasn_jenis_diklat.json").read_text())["rules"]


def entry(**overrides):
    return map_completion(completion(**overrides).payload, table=TABLE, agency=AGENCY)


def test_a_training_becomes_a_riwayat_kursus_body_with_siasns_field_names():
    item = entry()
    assert item.riwayat == "kursus" and item.save_path == "/kursus/save"
    assert item.body == {
        "id": None,
        "instansiId": "A5EB03E23CFBF6A0E040640A040252AD",
        "institusiPenyelenggara": "BKPSDM Kota Medan",
        "jenisDiklatId": "5",  # Pelatihan Manajerial: the programme develops M.05
        "jenisKursus": "",
        "jenisKursusSertipikat": "T",
        "jumlahJam": 24,
        "lokasiId": "A5EB03E21D9EF6A0E040640A040252AD",
        "namaKursus": "Pelatihan Pelayanan Prima",
        "nomorSertipikat": "BKPSDM-MDN/2027/1A2B3C4D",
        "path": [],
        "pnsOrangId": "",
        "tahunKursus": 2027,
        "tanggalKursus": "01-03-2027",
        "tanggalSelesaiKursus": "03-03-2027",
    }
    assert (item.nip, item.unit_code, item.reference) == (NURSE, UNIT, f"PL-2027-01:{NURSE}")


def test_jumlah_jam_carries_the_jp_not_clock_hours():
    # 24 JP are 18 clock hours; SIASN counts the yearly 20 JP minimum from jumlahJam.
    assert entry(jp=24).body["jumlahJam"] == 24


def test_structural_leadership_training_becomes_a_riwayat_diklat_body():
    item = entry(program_code="PKA-2027-I", program_title="Pelatihan Kepemimpinan Administrator", jp=480)
    assert item.riwayat == "diklat" and item.save_path == "/diklat/save"
    assert item.body == {
        "id": None,
        "bobot": 0,
        "institusiPenyelenggara": "BKPSDM Kota Medan",
        "jenisKompetensi": "",
        "jumlahJam": 480,
        "latihanStrukturalId": "3",
        "nomor": "BKPSDM-MDN/2027/1A2B3C4D",
        "path": [],
        "pnsOrangId": "",
        "tahun": 2027,
        "tanggal": "01-03-2027",
        "tanggalSelesai": "03-03-2027",
    }
    assert entry(program_code="PKP-2027").body["latihanStrukturalId"] == "2"
    assert entry(program_code="PKN-2027").body["latihanStrukturalId"] == "4"
    assert entry(program_code="PKN-I-2027").body["latihanStrukturalId"] == "5"


@pytest.mark.parametrize(
    ("form", "code", "jenis", "sertipikat"),
    [
        (DevelopmentForm.TRAINING, "T.DIG.01", "3", "T"),
        (DevelopmentForm.TRAINING, "SK.01", "6", "T"),
        (DevelopmentForm.COURSE, "T.DIG.01", "11", "T"),
        (DevelopmentForm.SEMINAR, "M.05", "9", "P"),
        (DevelopmentForm.WORKSHOP, "M.05", "4", "P"),
        (DevelopmentForm.E_LEARNING, "M.05", "16", "T"),
        (DevelopmentForm.INTERNSHIP, "M.05", "10", "T"),
        (DevelopmentForm.BENCHMARKING_VISIT, "M.05", "20", "T"),
    ],
)
def test_the_form_decides_jenis_diklat_and_the_certificate_kind_follows_siasns_reference(form, code, jenis, sertipikat):
    body = entry(form=form, competencies=[CompetencyTarget(code=code, target_level=2)]).body
    assert (body["jenisDiklatId"], body["jenisKursusSertipikat"]) == (jenis, sertipikat)


def test_every_form_of_development_has_a_siasn_entry_with_the_default_table():
    for form in DevelopmentForm:
        assert entry(form=form).riwayat == "kursus"


def test_an_edited_table_is_used_in_place_of_the_default(tmp_path):
    edited = [{"match": {"form": "seminar"}, "riwayat": "kursus", "jenisDiklatId": "7"}, *RULES]
    path = tmp_path / "tabel.json"
    path.write_text(json.dumps({"rules": edited}))
    table = JenisDiklatTable.load(path)
    seminar = map_completion(completion(form=DevelopmentForm.SEMINAR).payload, table=table, agency=AGENCY)
    assert seminar.body["jenisDiklatId"] == "7"  # Sosialisasi, BKPSDM's choice
    settings = SiasnSettings(siasn_jenis_diklat_table=path)
    assert settings.table().rules[0].jenis_diklat_id == "7"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"match": {"form": "course"}, "riwayat": "kursus", "jenisDiklatId": "99"}, *RULES], "'99' is not in SIASN"),
        ([{"match": {"program_code_prefix": "X"}, "riwayat": "diklat", "latihanStrukturalId": "9"}, *RULES], "'9'"),
        ([r for r in RULES if r["match"].get("form") != "seminar"], "form(s): seminar"),
        ([{"match": {"form": "course"}, "riwayat": "kursus"}, *RULES], "a kursus rule names jenisDiklatId"),
        ([{"match": {"form": "course"}, "riwayat": "pendidikan", "jenisDiklatId": "3"}, *RULES], "rules.0.riwayat"),
        ([{"match": {"form": "kursus"}, "riwayat": "kursus", "jenisDiklatId": "3"}, *RULES], "rules.0.match.form"),
        ([{"match": {"sumber": "x"}, "riwayat": "kursus", "jenisDiklatId": "3"}, *RULES], "rules.0.match.sumber"),
    ],
)
def test_a_table_that_would_leave_a_completion_without_a_valid_entry_is_refused_whole(rules, message):
    with pytest.raises(InvalidTable, match=message.replace("(", r"\(").replace(")", r"\)")):
        JenisDiklatTable.parse(json.dumps({"rules": rules}))


def test_settings_refuse_a_broken_table_at_start_up(tmp_path):
    path = tmp_path / "rusak.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="the table is not valid"):
        SiasnSettings(siasn_jenis_diklat_table=path)


def test_enabling_sync_needs_credentials_and_production_needs_https():
    with pytest.raises(ValueError, match="SIASN_CLIENT_ID, SIASN_CLIENT_SECRET, SIASN_INSTANSI_ID, SIASN_LOKASI_ID"):
        SiasnSettings(siasn_enabled=True)
    complete = {
        "siasn_enabled": True,
        "siasn_client_id": "c",
        "siasn_client_secret": "s",
        "siasn_instansi_id": "i",
        "siasn_lokasi_id": "l",
    }
    assert SiasnSettings(**complete).agency().instansi_id == "i"
    with pytest.raises(ValueError, match="https in production"):
        SiasnSettings(**complete, environment="production", siasn_base_url="http://siasn.local/apisiasn/1.0")


def items():
    return [
        entry(),
        entry(enrolment_id=f"B2:{NURSE}", completed_on=date(2027, 6, 30), certificate_number="C-2"),
        entry(
            enrolment_id="B3:198001012005011001",
            nip="198001012005011001",
            unit_code="DISKOMINFO",
            completed_on=date(2027, 4, 2),
            certificate_number="C-3",
        ),
        entry(
            program_code="PKA-2027",
            enrolment_id=f"PKA:{NURSE}",
            completed_on=date(2027, 5, 1),
            certificate_number="C-4",
        ),
    ]


def test_the_export_selects_by_period_and_unit():
    all_items = items()
    second_quarter = select(all_items, completed_from=date(2027, 4, 1), completed_until=date(2027, 6, 30))
    assert [i.reference for i in second_quarter] == [f"B2:{NURSE}", "B3:198001012005011001", f"PKA:{NURSE}"]
    assert [i.reference for i in select(all_items, unit_codes=["DISKOMINFO"])] == ["B3:198001012005011001"]
    assert select(all_items, completed_from=date(2028, 1, 1)) == []


def test_the_csv_export_has_one_row_per_entry_of_its_riwayat_under_siasns_column_names():
    rows = list(csv.DictReader(io.StringIO(to_csv(items(), "kursus"))))
    assert [r["referensi"] for r in rows] == [f"PL-2027-01:{NURSE}", "B3:198001012005011001", f"B2:{NURSE}"]
    assert rows[0] == {
        "nip": NURSE,
        "kode_unit": UNIT,
        "referensi": f"PL-2027-01:{NURSE}",
        "instansiId": AGENCY.instansi_id,
        "institusiPenyelenggara": "BKPSDM Kota Medan",
        "jenisDiklatId": "5",
        "jenisKursus": "",
        "jenisKursusSertipikat": "T",
        "jumlahJam": "24",
        "lokasiId": AGENCY.lokasi_id,
        "namaKursus": "Pelatihan Pelayanan Prima",
        "nomorSertipikat": "BKPSDM-MDN/2027/1A2B3C4D",
        "pnsOrangId": "",
        "tahunKursus": "2027",
        "tanggalKursus": "01-03-2027",
        "tanggalSelesaiKursus": "03-03-2027",
    }
    diklat = list(csv.DictReader(io.StringIO(to_csv(items(), "diklat", delimiter=";")), delimiter=";"))
    assert [(r["referensi"], r["latihanStrukturalId"], r["nomor"]) for r in diklat] == [(f"PKA:{NURSE}", "3", "C-4")]


def test_the_json_export_names_each_entrys_endpoint_and_body():
    exported = json.loads(to_json(items()))
    assert exported["count"] == 4
    assert [(e["riwayat"], e["endpoint"]) for e in exported["items"]] == [
        ("kursus", "/kursus/save"),
        ("kursus", "/kursus/save"),
        ("diklat", "/diklat/save"),
        ("kursus", "/kursus/save"),
    ]
    assert exported["items"][0]["body"]["nomorSertipikat"] == "BKPSDM-MDN/2027/1A2B3C4D"
