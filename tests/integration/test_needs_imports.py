"""Bulk import (CSV and XLSX in the shape of a SIASN export) and the analysis of every employee,
over the real database and broker."""

import csv
import io
import json
import re

from openpyxl import Workbook
from pymongo import MongoClient

from shared.events import NEED_IDENTIFIED
from tests.support.kafka import read_topic, wait_for_records
from tests.support.waiting import eventually

UNITS = """kode_unit;nama_unit;jenis;kode_unit_induk;garis_depan
DINKES;Dinas Kesehatan;opd;;tidak
PKM-TELADAN;Puskesmas Teladan;puskesmas;DINKES;ya
"""
POSITIONS = """kode_jabatan,nama_jabatan,jenis_jabatan,kode_unit,standar
PERAWAT,Perawat Ahli Pertama,fungsional,,M.05=3;M.03=2
KAPUS,Kepala Puskesmas,pengawas,,M.05=3
"""
EMPLOYEES = """nip,nama,kode_unit,kode_jabatan,nip_atasan,status_kepegawaian
198208082008011002,dr. Budi Harahap,PKM-TELADAN,KAPUS,,PNS
199504042022032001,Nur Aisyah Lubis,PKM-TELADAN,PERAWAT,198208082008011002,PPPK
"""
ASSESSMENTS = """nip,kode_kompetensi,level,sumber,tanggal
199504042022032001,M.05,1,assessment_centre,2027-02-10
199504042022032001,M.03,2,assessment_centre,2027-02-10
198208082008011002,M.05,2,test,2027-02-11
"""


def run_job(needs, admin, path, body=None, content_type="text/csv", json_body=None, timeout_s=30):
    if json_body is not None:
        response = needs.post(path, json=json_body, headers=admin)
    else:
        response = needs.post(
            path,
            content=body.encode() if isinstance(body, str) else body,
            headers=admin | {"content-type": content_type},
        )
    assert response.status_code == 202, response.text
    job_url = response.json()["status_url"]
    return eventually(
        lambda: (j := needs.get(job_url, headers=admin).json())["status"] != "running" and j,
        timeout_s=timeout_s,
        what=f"job {path}",
    )


def load(needs, admin):
    for kind, body in (("units", UNITS), ("positions", POSITIONS), ("employees", EMPLOYEES)):
        job = run_job(needs, admin, f"/imports/{kind}", body)
        assert job["status"] == "done", job


def test_a_good_file_goes_in_and_a_reimport_changes_nothing(run_service, admin):
    with run_service("needs") as needs:
        load(needs, admin)
        assert needs.get("/units/PKM-TELADAN", headers=admin).json()["front_line"] is True
        nurse = needs.get("/employees/199504042022032001", headers=admin).json()
        assert (nurse["employment_type"], nurse["supervisor_nip"]) == ("PPPK", "198208082008011002")
        assert needs.get("/positions/PERAWAT", headers=admin).json()["standard"] == {"M.03": 2, "M.05": 3}

        again = run_job(needs, admin, "/imports/employees", EMPLOYEES)
        assert again["report"] == {"rows": 2, "inserted": 0, "updated": 0, "unchanged": 2}
        changed = EMPLOYEES.replace("Nur Aisyah Lubis", '"Nur Aisyah Lubis, S.Kep"')
        assert run_job(needs, admin, "/imports/employees", changed)["report"]["updated"] == 1
        unquoted = run_job(needs, admin, "/imports/employees", EMPLOYEES.replace("Nur Aisyah Lubis", "Nur, S.Kep"))
        assert unquoted["status"] == "rejected"
        assert unquoted["report"]["errors"][0]["line"] == 3
        assert "quote values" in unquoted["report"]["errors"][0]["message_en"]


def test_a_bad_file_is_reported_row_by_row_and_writes_nothing(run_service, admin):
    bad_employees = EMPLOYEES + (
        "199002202015033001,NIP Salah,PKM-TELADAN,PERAWAT,,PNS\n"  # gender digit 3
        "199107072019022005,Unit Salah,PKM-ENTAHLAH,PERAWAT,,PNS\n"  # unknown unit
        "198208082008011002,dr. Budi Harahap,PKM-TELADAN,KAPUS,,PNS\n"  # duplicate of line 2
    )
    with run_service("needs") as needs:
        for kind, body in (("units", UNITS), ("positions", POSITIONS)):
            run_job(needs, admin, f"/imports/{kind}", body)
        job = run_job(needs, admin, "/imports/employees", bad_employees)
        assert job["status"] == "rejected"
        errors = {(e["line"], e["column"]): e for e in job["report"]["errors"]}
        assert errors[(4, "nip")]["message"] == "Digit 15 (3) harus 1 (laki-laki) atau 2 (perempuan)."
        assert errors[(5, "kode_unit")]["message_en"] == "Unknown unit PKM-ENTAHLAH."
        assert errors[(6, None)]["message_en"] == "Duplicate row: same as line 2."
        assert job["report"]["rows"] == 5 and job["report"]["valid_rows"] == 2
        assert needs.get("/employees", headers=admin).json()["total"] == 0  # nothing half-written

        run_job(needs, admin, "/imports/employees", EMPLOYEES)
        level_7 = ASSESSMENTS + "199504042022032001,M.08,7,assessment_centre,2027-02-10\n"
        rejected = run_job(needs, admin, "/imports/assessments", level_7)
        assert [(e["line"], e["column"]) for e in rejected["report"]["errors"]] == [(5, "level")]
        assert rejected["report"]["errors"][0]["message_en"] == "The level must be 1-5 (got '7')."

        missing_column = run_job(needs, admin, "/imports/units", "kode_unit,nama_unit\nX,Y\n")
        assert missing_column["status"] == "rejected"
        assert "jenis" in missing_column["report"]["errors"][0]["message_en"]


def test_an_xlsx_export_is_read_like_a_csv(run_service, admin):
    book = Workbook()
    sheet = book.active
    for line in UNITS.strip().splitlines():
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with run_service("needs") as needs:
        job = run_job(needs, admin, "/imports/units", buffer.getvalue(), content_type=xlsx)
        assert job["report"] == {"rows": 2, "inserted": 2, "updated": 0, "unchanged": 0}
        assert needs.get("/units/DINKES", headers=admin).json()["name"] == "Dinas Kesehatan"


def test_the_analysis_of_every_employee_announces_each_need_once(run_service, admin, infra, namespace):
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    with run_service("needs") as needs:
        load(needs, admin)
        assert run_job(needs, admin, "/imports/assessments", ASSESSMENTS)["report"]["inserted"] == 3
        first = run_job(needs, admin, "/analysis/competency-gaps", json_body={"fiscal_year": 2027})
        # nurse: M.05 3-1 = 2, M.03 2-2 = 0; head: M.05 3-2 = 1 -> two needs
        assert first["report"] | {"employees": 2} == {
            "fiscal_year": 2027,
            "employees": 2,
            "needs_open": 2,
            "new": 2,
            "updated": 0,
            "resolved": 0,
            "unchanged": 0,
        }
        records = wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: True, count=2)
        gaps = sorted((r.key, json.loads(r.value)["gap"]) for r in records)
        assert gaps == [("198208082008011002", 1), ("199504042022032001", 2)]

        second = run_job(needs, admin, "/analysis/competency-gaps", json_body={"fiscal_year": 2027})
        assert (second["report"]["new"], second["report"]["unchanged"]) == (0, 2)
        head_need = needs.get("/needs/2027-198208082008011002-M.05", headers=admin).json()
        assert (head_need["gap"], head_need["priority"]) == (1, 1.5)  # front-line puskesmas
    assert len(read_topic(infra.kafka_bootstrap_servers, topic, idle_s=1.5)) == 2


def test_a_missing_column_keeps_what_is_stored_and_an_empty_cell_clears_it(run_service, admin):
    with run_service("needs") as needs:
        load(needs, admin)
        without_status = (
            "nip,nama,kode_unit,kode_jabatan,nip_atasan\n"
            + "\n".join(line.rsplit(",", 1)[0] for line in EMPLOYEES.strip().splitlines()[1:])
            + "\n"
        )
        assert run_job(needs, admin, "/imports/employees", without_status)["report"]["updated"] == 0
        assert needs.get("/employees/199504042022032001", headers=admin).json()["employment_type"] == "PPPK"

        no_supervisor = EMPLOYEES.replace("PERAWAT,198208082008011002,PPPK", "PERAWAT,,PPPK")
        assert run_job(needs, admin, "/imports/employees", no_supervisor)["report"]["updated"] == 1
        assert needs.get("/employees/199504042022032001", headers=admin).json()["supervisor_nip"] is None


def test_the_same_nip_written_two_ways_is_a_duplicate_row(run_service, admin):
    spaced = EMPLOYEES + "19820808 200801 1 002,dr. Budi Harahap,PKM-TELADAN,KAPUS,,PNS\n"
    with run_service("needs") as needs:
        for kind, body in (("units", UNITS), ("positions", POSITIONS)):
            run_job(needs, admin, f"/imports/{kind}", body)
        job = run_job(needs, admin, "/imports/employees", spaced)
        assert job["status"] == "rejected"
        assert job["report"]["errors"][0]["message_en"] == "Duplicate row: same as line 2."
        assert needs.get("/employees", headers=admin).json()["total"] == 0


def test_a_nip_stored_as_a_number_in_xlsx_is_refused(run_service, admin):
    book = Workbook()
    sheet = book.active
    sheet.append(["nip", "nama", "kode_unit", "kode_jabatan"])
    sheet.append([199504042022032001, "Nur Aisyah Lubis", "PKM-TELADAN", "PERAWAT"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with run_service("needs") as needs:
        for kind, body in (("units", UNITS), ("positions", POSITIONS)):
            run_job(needs, admin, f"/imports/{kind}", body)
        job = run_job(needs, admin, "/imports/employees", buffer.getvalue(), content_type=xlsx)
        assert job["status"] == "rejected"
        assert "format the column as text" in job["report"]["errors"][0]["message_en"]


# 40,000 rows with three errors each (a NIP that is no date, an unknown unit and position): all 120,000
# errors (of codes 40 characters long) come to about 22 MB, over the database's 16 MB document limit.
HOPELESS = "nip,nama,kode_unit,kode_jabatan\n" + "".join(
    f"{i:018d},Pegawai {i},UNIT-{i:035d},JABATAN-{i:032d}\n" for i in range(40_000)
)


def test_a_large_bad_file_is_rejected_with_its_first_errors_and_how_many_there_are(run_service, admin):
    with run_service("needs") as needs:
        job = run_job(needs, admin, "/imports/employees", HOPELESS, timeout_s=120)
    assert job["status"] == "rejected" and job["phase"] == "finished"
    report = job["report"]
    assert (report["rows"], report["valid_rows"], report["error_count"]) == (40_000, 0, 120_000)
    assert len(report["errors"]) == 1000  # IMPORT_MAX_REPORTED_ERRORS
    assert report["errors"][1]["message_en"] == f"Unknown unit UNIT-{0:035d}."


def test_a_job_whose_outcome_cannot_be_stored_ends_failed_and_says_why(run_service, admin):
    # Reporting every error cannot be stored: the job used to stay 'running' until a restart.
    with run_service("needs", IMPORT_MAX_REPORTED_ERRORS="1000000") as needs:
        job = run_job(needs, admin, "/imports/employees", HOPELESS, timeout_s=120)
    assert job["status"] == "failed" and job["phase"] == "finished"
    assert "ended 'rejected' but its outcome could not be stored" in job["error"]
    assert "DocumentTooLarge" in job["error"]


def test_rows_the_api_would_refuse_are_row_errors(run_service, admin):
    units = (
        UNITS + "SECTEST X;Unit Uji;opd;;tidak\nNUL-1;Nama\x00Unit;opd;;tidak\n" + f"PANJANG;{'n' * 201};opd;;tidak\n"
    )
    with run_service("needs") as needs:
        job = run_job(needs, admin, "/imports/units", units)
        assert job["status"] == "rejected"
        errors = {(e["line"], e["column"]): e["message_en"] for e in job["report"]["errors"]}
        assert errors == {
            (4, "kode_unit"): "The code 'SECTEST X' may hold only letters, digits, dots, underscores and hyphens, "
            "at most 40 characters.",
            (5, "nama_unit"): "Column nama_unit contains a NUL character.",
            (6, "nama_unit"): "Column nama_unit holds at most 200 characters.",
        }
        assert needs.get("/units", headers=admin).json()["total"] == 0

        load(needs, admin)
        far = ASSESSMENTS + "199504042022032001,M.05,2,test,9999-12-31\n"
        job = run_job(needs, admin, "/imports/assessments", far)
        assert [(e["line"], e["column"]) for e in job["report"]["errors"]] == [(5, "tanggal")]
        assert job["report"]["errors"][0]["message_en"] == "The date must be between 2000-01-01 and 2100-12-31."


def test_an_assessment_dated_past_the_planned_years_is_refused_and_nothing_is_saved(
    run_service, admin, infra, namespace
):
    with run_service("needs") as needs:
        load(needs, admin)
        body = {"nip": "199504042022032001", "competency_code": "M.05", "level": 1, "source": "test"}
        refused = needs.post("/assessments", json=body | {"assessed_on": "9999-12-31"}, headers=admin)
        assert refused.status_code == 422
        assert refused.json()["error"]["fields"][0]["location"] == "body.assessed_on"
        with MongoClient(infra.mongodb_uri) as client:
            assert client[f"{namespace}_needs"]["assessments"].count_documents({}) == 0
        accepted = needs.post("/assessments", json=body | {"assessed_on": "2100-12-31"}, headers=admin)
        assert accepted.status_code == 201, accepted.text


def xlsx_of(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_file_over_the_size_or_row_limits_is_refused_before_it_is_read(run_service, admin):
    # 1,500 distinct names of 1 kB: about 1.6 MB unzipped, in a file of a few kB.
    roomy = xlsx_of(
        [["kode_unit", "nama_unit", "jenis"], *([f"U-{i}", f"{i}" + "x" * 1000, "opd"] for i in range(1500))]
    )
    with run_service("needs", IMPORT_MAX_XLSX_MB="1", IMPORT_MAX_ROWS="2") as needs:
        job = run_job(needs, admin, "/imports/units", roomy, content_type=XLSX)
        assert job["status"] == "rejected" and job["report"]["error_count"] == 1
        (error,) = job["report"]["errors"]
        assert re.match(r"The XLSX file expands to 2 MB, over the limit of 1 MB; split it", error["message_en"])
        assert re.match(r"Berkas XLSX berukuran 2 MB setelah diekstrak, melebihi batas 1 MB", error["message"])

        three = run_job(needs, admin, "/imports/units", UNITS + "X;Y;opd;;tidak\n")
        assert (
            three["report"]["errors"][0]["message_en"]
            == "The file holds more than 2 data rows; split it into several files."
        )
        assert needs.get("/units", headers=admin).json()["total"] == 0


def test_names_that_look_like_formulas_come_out_of_the_reports_as_text(run_service, admin):
    hostile = '=HYPERLINK("http://evil.example","Klik")'
    units = UNITS.replace("Puskesmas Teladan", hostile.replace('"', '""').join('""'))
    employees = EMPLOYEES.replace("Nur Aisyah Lubis", "@SUM(1+1)")
    with run_service("needs") as needs:
        for kind, body in (("units", units), ("positions", POSITIONS), ("employees", employees)):
            assert run_job(needs, admin, f"/imports/{kind}", body)["status"] == "done"
        assert needs.get("/units/PKM-TELADAN", headers=admin).json()["name"] == hostile  # kept as given
        run_job(needs, admin, "/imports/assessments", ASSESSMENTS)
        run_job(needs, admin, "/analysis/competency-gaps", json_body={"fiscal_year": 2027})

        params = {"fiscal_year": 2027, "by": "unit", "format": "csv"}
        recap = list(csv.DictReader(io.StringIO(needs.get("/reports/needs-recap", params=params, headers=admin).text)))
        assert [(r["unit"], r["name"]) for r in recap] == [("PKM-TELADAN", "'" + hostile)]
        assert float(recap[0]["mean_priority"]) > 0  # numbers are not touched

        params = {"fiscal_year": 2027, "unit_code": "PKM-TELADAN", "format": "csv"}
        text = needs.get("/reports/jp-compliance", params=params, headers=admin).text
        names = {r["nip"]: r["name"] for r in csv.DictReader(io.StringIO(text))}
        assert names["199504042022032001"] == "'@SUM(1+1)"
        assert names["198208082008011002"] == "dr. Budi Harahap"
