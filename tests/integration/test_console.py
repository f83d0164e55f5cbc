"""The web console over the four real services (in this process, over the real broker and database):
each role's pages render with the scenario's data, and the employee's part of the cycle is clicked through
its forms."""

import re

from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.console import console_over, csrf_of, nurse_with_a_seat, post_form, sign_in
from tests.support.demo import HEAD, NURSE, UNIT, assess, load_puskesmas, program_body, schedule
from tests.support.events import enrolments
from tests.support.waiting import eventually

SECOND_NURSE = "199105102019032002"


def test_the_employee_sees_the_need_accepts_the_seat_and_reads_the_inbox(run_service, admin):
    with nurse_with_a_seat(run_service, admin) as services:
        needs, training, notifications = services["needs"], services["training"], services["notifications"]
        calls: list[str] = []
        with console_over(services, calls, fiscal_year=2027) as console:
            assert sign_in(console, "pegawai").headers["location"] == "/me/competencies"
            mine = console.get("/me/competencies")
            assert mine.status_code == 200, mine.text
            assert "Pelayanan Publik" in mine.text and "Kesenjangan 2" in mine.text and "Belum diases" in mine.text

            calls.clear()
            page = console.get("/me/needs")
            assert page.status_code == 200, page.text
            # The needs page and the planner's decisions of every year, asked side by side: two calls.
            assert sorted(calls) == ["GET needs/needs", "GET training/needs"]
            # Without a NIP the planner's list is still of one year.
            assert training.get("/needs", headers=admin).json()["error"]["code"] == "fiscal_year_required"
            assert "Pelayanan Publik" in page.text and "Kesenjangan 2" in page.text
            assert "Kesenjangan kompetensi" in page.text and "Mendapat kursi" in page.text
            assert "Perencana" not in console.get("/me/needs?source=jp_shortfall").text  # filtered away
            assert "Belum ada kebutuhan" in console.get("/me/needs?source=jp_shortfall").text

            seats = console.get("/me/seats")
            assert "Diusulkan" in seats.text and "BPSDM Sumut, Medan" in seats.text
            assert "8 Maret 2027" in seats.text and "<progress" in seats.text
            confirmed = post_form(console, "/me/seats", f"/me/seats/PRIMA-1:{NURSE}/confirm")
            assert confirmed.status_code == 303
            assert "Diterima" in console.get("/me/seats").text
            # The service refuses a second acceptance; its message is shown in the person's language.
            again = post_form(console, "/me/seats", f"/me/seats/PRIMA-1:{NURSE}/confirm")
            assert again.status_code == 409 and 'role="alert"' in again.text

            assert "Tidak ada evaluasi yang menunggu Anda" in console.get("/me/evaluations").text
            inbox = eventually(
                lambda: (p := console.get("/inbox")) and "belum dibaca" in p.text and "card unread" in p.text and p,
                what="a message in the nurse's inbox",
            )
            assert inbox.status_code == 200
            chosen = post_form(console, "/inbox", "/inbox/preferences", language="en", channels="inbox")
            assert chosen.status_code == 303, chosen.text
            assert (
                notifications.get("/directory/me", headers=bearer(NURSE, Role.EMPLOYEE, unit=UNIT)).json()["language"]
                == "en"
            )

            post_form(console, "/me/needs", "/language", language="en", next="/me/needs")
            english = console.get("/me/needs")
            assert "My development needs" in english.text and 'lang="en"' in english.text
            post_form(console, "/me/needs", "/language", language="id", next="/me/needs")

            # The other roles' pages render with the same data.
            post_form(console, "/me/needs", "/logout")
            sign_in(console, "atasan")
            # A second report, so that calls made once per report would show in the count below.
            second = {"name": "Rina Lubis", "unit_code": UNIT, "position_code": "PERAWAT", "supervisor_nip": HEAD}
            assert needs.put(f"/employees/{SECOND_NURSE}", json=second, headers=admin).status_code == 200
            calls.clear()
            team = console.get("/team")
            assert team.status_code == 200, team.text
            assert "Siti Rahmawati" in team.text and "PRIMA-1" in team.text and "Rina Lubis" in team.text
            # The team's JP ledgers and seats come in one call each; only open needs are asked per report.
            assert sorted(calls) == [
                "GET evaluation/monitoring/evaluations",
                "GET evaluation/monitoring/evaluations",
                "GET needs/employees",
                "GET needs/jp-ledgers",
                "GET needs/needs",
                "GET needs/needs",
                "GET training/enrolments",
            ]
            post_form(console, "/team", "/logout")
            sign_in(console, "kepala-unit")
            unit = console.get("/unit")
            assert unit.status_code == 200, unit.text
            assert "<svg" in unit.text and "Pelayanan Publik" in unit.text
            assert console.get("/bkpsdm").status_code == 403
            post_form(console, "/unit", "/logout")
            assert sign_in(console, "bkpsdm").headers["location"] == "/bkpsdm"
            home = console.get("/bkpsdm")
            assert home.status_code == 200, home.text
            assert "Rp 2.500.000" in home.text and "Kesenjangan kompetensi" in home.text
            catalogue = console.get("/bkpsdm/catalogue")
            assert "Pelatihan Pelayanan Prima" in catalogue.text and "Rp 2.500.000" in catalogue.text
            listed = console.get("/bkpsdm/needs?unit_code=PKM-PADANGBULAN")
            assert NURSE in listed.text
            assert "Belum ada kebutuhan" in console.get("/bkpsdm/needs?unit_code=DISDUKCAPIL").text
            planned = post_form(console, "/bkpsdm/batches", "/bkpsdm/planner?year=2027")
            assert planned.status_code == 303
            batches = console.get(planned.headers["location"])
            assert "Perencana selesai" in batches.text and "PRIMA-1" in batches.text


LIKERT = ("relevance", "content", "facilitator", "organisation", "overall")
BEHAVIOUR = ("applies", "frequency", "quality", "independence", "sharing")


def test_the_cycle_clicked_through_as_bkpsdm_the_employee_and_the_supervisor(run_service, admin):
    # Level 3 opens at completion here (normally three months on), so the supervisor can answer now.
    with (
        run_service("needs") as needs,
        run_service("training") as training,
        run_service("evaluation", BEHAVIOUR_OPENS_DAYS="0") as evaluation,
        run_service("notifications") as notifications,
    ):
        load_puskesmas(needs, admin)
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", sessions=2)
        assess(needs, admin, 1)
        services = {"needs": needs, "training": training, "evaluation": evaluation, "notifications": notifications}
        with console_over(services, fiscal_year=2027) as console:
            sign_in(console, "bkpsdm")
            post_form(console, "/bkpsdm/batches", "/bkpsdm/planner?year=2027")
            eventually(lambda: enrolments(training, admin, nip=NURSE)["items"], what="the nurse's seat")
            assert "Belum ada peserta yang menerima kursinya" in console.get("/bkpsdm/batches/PRIMA-1").text
            post_form(console, "/me/needs", "/logout")

            sign_in(console, "pegawai")
            post_form(console, "/me/seats", f"/me/seats/PRIMA-1:{NURSE}/confirm")
            post_form(console, "/me/seats", "/logout")

            sign_in(console, "bkpsdm")
            batch = "/bkpsdm/batches/PRIMA-1"
            assert f'name="present-2" value="{NURSE}"' in console.get(batch).text
            marked = post_form(console, batch, f"{batch}/attendance", **{"present-1": NURSE, "present-2": NURSE})
            assert marked.status_code == 303, marked.text
            seat = f"PRIMA-1:{NURSE}"
            scored = post_form(
                console, batch, f"{batch}/scores", **{f"pre_score-{seat}": "55", f"post_score-{seat}": "82,5"}
            )
            assert scored.status_code == 303, scored.text
            closed = post_form(console, batch, f"{batch}/completion")
            assert closed.status_code == 303, closed.text
            assert "Lulus" in console.get(batch).text
            post_form(console, batch, "/logout")
            sign_in(console, "pegawai")
            assert "Sertifikat" in console.get("/me/seats").text
            post_form(console, batch, "/logout")

            sign_in(console, "pegawai")
            owed = eventually(
                lambda: (p := console.get("/me/evaluations")) and f"/me/evaluations/{seat}-L1" in p.text and p,
                what="the level-1 evaluation",
            )
            assert owed.status_code == 200
            form = console.get(f"/me/evaluations/{seat}-L1")
            assert "Materi relevan dengan pekerjaan saya." in form.text
            answered = post_form(
                console, f"/me/evaluations/{seat}-L1", f"/me/evaluations/{seat}-L1", **dict.fromkeys(LIKERT, "4")
            )
            assert answered.status_code == 303, answered.text
            post_form(console, "/me/evaluations", "/logout")

            sign_in(console, "atasan")
            level3 = f"/me/evaluations/{seat}-L3"
            eventually(lambda: level3 in console.get("/me/evaluations").text, what="the level-3 evaluation")
            form = console.get(level3)
            assert "Kurang dukungan atasan atau rekan" in form.text and "Wajib dipilih" in form.text
            # Struggling without naming a barrier: refused, with the service's reason in Bahasa Indonesia.
            refused = post_form(console, level3, level3, **dict.fromkeys(BEHAVIOUR, "2"))
            assert refused.status_code == 422 and 'role="alert"' in refused.text
            fields = dict.fromkeys(BEHAVIOUR, "2") | {"barriers": "lack_of_support"}
            assert post_form(console, level3, level3, **fields).status_code == 303
            post_form(console, "/me/evaluations", "/logout")

            sign_in(console, "pegawai")
            follow_up = eventually(
                lambda: (
                    (p := console.get("/me/needs?source=evaluation_follow_up")) and "Pelayanan Publik" in p.text and p
                ),
                what="the follow-up need on the employee's page",
            )
            assert "Tindak lanjut evaluasi" in follow_up.text
            post_form(console, "/me/needs", "/logout")

            # BKPSDM follows it up: monitoring with reminders, and the quarter's report in three forms.
            sign_in(console, "bkpsdm")
            monitoring = console.get("/bkpsdm/monitoring?state=upcoming")
            assert monitoring.status_code == 200, monitoring.text
            reminded = post_form(console, "/bkpsdm/monitoring", "/bkpsdm/monitoring/reminders")
            assert reminded.status_code == 303 and "overdue=" in reminded.headers["location"]
            assert "Pengingat terkirim" in console.get(reminded.headers["location"]).text
            report = console.get("/bkpsdm/reports?year=2027&quarter=1")
            assert report.status_code == 200 and "2027-Q1" in report.text
            csv = console.get("/bkpsdm/reports/quarterly.csv?year=2027&quarter=1")
            assert csv.headers["content-type"].startswith("text/csv") and "periode" in csv.text
            printable = console.get("/bkpsdm/reports/quarterly.html?year=2027&quarter=1")
            assert printable.status_code == 200 and "script-src" not in printable.headers["content-security-policy"]
            post_form(console, "/bkpsdm", "/logout")
            sign_in(console, "pegawai")
            inbox = eventually(
                lambda: (p := console.get("/inbox")) and p.text.count('<li class="card') >= 3 and p,
                what="the inbox telling each step",
            )
            assert inbox.status_code == 200


def test_a_partner_drafts_and_submits_a_curriculum_version_that_bkpsdm_approves(run_service, admin):
    with run_service("training") as training, console_over({"training": training}) as console:
        sign_in(console, "mitra")
        assert "Belum ada kurikulum" in console.get("/partner/curricula").text
        created = post_form(console, "/partner/curricula", "/partner/curricula", code="USU-DIG", title="Digitalisasi")
        assert created.status_code == 303, created.text
        module = {"title-1": "Layanan daring", "jp-1": "24", "competency-1": "M.05", "outcome-1": "Merancang layanan"}
        page = "/partner/curricula/USU-DIG"
        assert post_form(console, page, f"{page}/versions", **module).status_code == 303
        assert "Draf" in console.get(page).text
        assert post_form(console, page, f"{page}/versions/1/review", action="submit").status_code == 303
        # Only BKPSDM approves: the partner's page offers no such button.
        assert "Ditinjau BKPSDM" in console.get(page).text and 'value="approve"' not in console.get(page).text
        mine = console.get("/partner/curricula").text
        assert "USU-DIG" in mine and "Tim Kurikulum USU" in mine  # its institution's (USU), by its team
        post_form(console, page, "/logout")

        sign_in(console, "bkpsdm")
        approved = post_form(console, page, f"{page}/versions/1/review", action="approve", note="Sesuai")
        assert approved.status_code == 303
        assert "Disetujui" in console.get(page).text
        version = training.get("/curricula/USU-DIG", headers=admin).json()["versions"][0]
        assert (version["status"], version["modules"][0]["jp"]) == ("approved", 24)


def test_a_unit_head_drafts_and_submits_a_request_that_bkpsdm_approves_into_needs(run_service, admin):
    with run_service("needs") as needs, console_over({"needs": needs}, fiscal_year=2027) as console:
        load_puskesmas(needs, admin)
        sign_in(console, "kepala-unit")
        page = "/unit/requests"
        assert "Belum ada usulan" in console.get(page).text
        short = post_form(console, page, page, competency_code="M.05", fiscal_year="2027", nips="", justification="x")
        assert short.status_code == 422 and 'role="alert"' in short.text  # the service's own check, shown
        why = "Keluhan pelayanan meningkat di loket pendaftaran."
        drafted = post_form(
            console, page, page, competency_code="M.05", fiscal_year="2027", nips=NURSE, justification=why
        )
        assert drafted.status_code == 303, drafted.text
        listed = console.get(page)
        assert why in listed.text and "Draf" in listed.text
        request_id = needs.get("/unit-requests", headers=admin).json()["items"][0]["request_id"]
        assert post_form(console, page, f"{page}/{request_id}/submission").status_code == 303
        assert "Diajukan" in console.get(page).text
        assert console.get("/bkpsdm/requests").status_code == 403
        post_form(console, page, "/logout")

        sign_in(console, "bkpsdm")
        decided = post_form(console, "/bkpsdm/requests", f"/bkpsdm/requests/{request_id}/decision", decision="approve")
        assert decided.status_code == 303, decided.text
        assert "Disetujui" in console.get("/bkpsdm/requests").text
        assert "Usulan unit" in console.get("/bkpsdm/needs?source=unit_request&year=2027").text

        # Personal data: an access request recorded from the page, followed per service; the audit trail.
        privacy = "/bkpsdm/privacy"
        assert post_form(console, privacy, privacy, nip=NURSE, kind="access", note="Surat 12/2027").status_code == 303
        page = console.get(privacy)
        assert "Akses (salinan data)" in page.text and "Surat 12/2027" in page.text and "needs:" in page.text
        audited = console.get(f"{privacy}?service=needs&nip={NURSE}")
        assert audited.status_code == 200 and "Jejak audit" in audited.text


def test_a_unit_head_enters_the_units_skm_and_sees_its_index_band_and_the_needs_it_raises(run_service, admin):
    with run_service("needs") as needs, console_over({"needs": needs}, fiscal_year=2027) as console:
        load_puskesmas(needs, admin)
        sign_in(console, "kepala-unit")
        page = "/unit/skm"
        assert f'value="{UNIT}"' in console.get(page).text  # their own unit, offered first
        weak = {f"U{i}": "3,2" for i in range(1, 10)} | {"U7": "2,8"}  # typed with a decimal comma
        entered = post_form(console, page, page, unit_code=UNIT, fiscal_year="2027", respondents="120", **weak)
        assert entered.status_code == 200, entered.text
        # IKM = mean NRR (28.4 / 9) x 25 = 78.89: band B; U7 (conduct) at 70 raises the unit's needs.
        assert "IKM 78,89" in entered.text and ">B<" in entered.text and "70,00" in entered.text
        assert "Kebutuhan unit yang muncul" in entered.text and "(M.01)" in entered.text
        other = post_form(console, page, page, unit_code="DINKES", fiscal_year="2027", respondents="120", **weak)
        assert other.status_code == 403 and 'role="alert"' in other.text  # the service's refusal, shown


UNITS = "kode_unit,nama_unit,jenis,kode_unit_induk,garis_depan\nDINKES,Dinas Kesehatan,opd,,tidak\n"


def upload(console, kind, name, content):
    token = csrf_of(console.get("/bkpsdm/imports"))
    files = {"file": (name, content, "text/csv")}
    return console.post(
        "/bkpsdm/imports", data={"kind": kind, "csrf_token": token}, files=files, follow_redirects=False
    )


def test_bkpsdm_imports_a_file_follows_its_progress_and_sees_a_bad_files_row_errors(run_service):
    with run_service("needs") as needs, console_over({"needs": needs}) as console:
        sign_in(console, "bkpsdm")
        started = upload(console, "units", "unit.csv", UNITS.encode())
        assert started.status_code == 303, started.text
        done = eventually(
            lambda: (p := console.get(started.headers["location"])) and "Impor selesai" in p.text and p,
            what="the import done",
        )
        assert 'http-equiv="refresh"' not in done.text and "inserted" in done.text

        bad = UNITS + "PKM-X,Puskesmas X,puskesmas,TIDAK-ADA,ya\nDINKES,Dinas Kesehatan,opd,,tidak\n"
        refused = upload(console, "units", "unit-salah.csv", bad.encode())
        page = eventually(
            lambda: (p := console.get(refused.headers["location"])) and "Berkas ditolak" in p.text and p,
            what="the bad file refused",
        )
        assert '<td class="num">3</td>' in page.text and '<td class="num">4</td>' in page.text
        # No CSRF token, no import.
        files = {"file": ("unit.csv", UNITS.encode(), "text/csv")}
        assert console.post("/bkpsdm/imports", data={"kind": "units"}, files=files).status_code == 403


def test_bkpsdm_subscribes_a_system_to_events_sees_the_secret_once_and_ends_it(run_service):
    with run_service("notifications") as notifications, console_over({"notifications": notifications}) as console:
        sign_in(console, "bkpsdm")
        page = "/bkpsdm/webhooks"
        assert "Belum ada sistem lain yang berlangganan" in console.get(page).text
        event_type = "id.go.pemkomedan.bkpsdm.needs.NeedResolved.v1"
        created = post_form(console, page, page, url="http://127.0.0.1:9/hook", event_types=event_type)
        assert created.status_code == 200 and "tidak ditampilkan lagi" in created.text
        listed = console.get(page)
        assert "http://127.0.0.1:9/hook" in listed.text and "Aktif" in listed.text
        assert "tidak ditampilkan lagi" not in listed.text
        end = re.search(r'action="(/bkpsdm/webhooks/[^"]+/end)"', listed.text)
        assert end
        assert post_form(console, page, end.group(1)).status_code == 303
        assert "Berakhir" in console.get(page).text

        # The notification directory, imported from the same page as master data: all rows or none.
        good = f"nip,nama,email,bahasa,kanal\n{NURSE},Siti Rahmawati,siti@puskesmas.example,id,inbox\n"
        imported = upload(console, "directory", "direktori.csv", good.encode())
        assert imported.status_code == 200 and "Impor selesai" in imported.text
        bad = f"nip,email,bahasa,kanal\n{NURSE},siti@puskesmas.example,fr,inbox\n"
        refused = upload(console, "directory", "direktori.csv", bad.encode())
        assert refused.status_code == 422 and "Berkas ditolak" in refused.text and "bahasa" in refused.text
