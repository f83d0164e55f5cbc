"""The web console over the four real services (in this process, over the real broker and database):
each role's pages render with the scenario's data, and the employee's part of the cycle is clicked through
its forms."""

from tests.support.console import console_over, post_form, sign_in
from tests.support.demo import NURSE, assess, load_puskesmas, program_body, schedule
from tests.support.events import enrolments
from tests.support.waiting import eventually


def test_the_employee_sees_the_need_accepts_the_seat_and_reads_the_inbox(run_service, admin):
    with (
        run_service("needs") as needs,
        run_service("training") as training,
        run_service("evaluation") as evaluation,
        run_service("notifications") as notifications,
    ):
        load_puskesmas(needs, admin)
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", location="BPSDM Sumut, Medan")
        assess(needs, admin, 1)
        eventually(lambda: enrolments(training, admin, nip=NURSE)["items"], what="the nurse's seat")
        services = {"needs": needs, "training": training, "evaluation": evaluation, "notifications": notifications}
        with console_over(services, fiscal_year=2027) as console:
            assert sign_in(console, "pegawai").headers["location"] == "/me/needs"

            page = console.get("/me/needs")
            assert page.status_code == 200, page.text
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

            post_form(console, "/me/needs", "/language", language="en", next="/me/needs")
            english = console.get("/me/needs")
            assert "My development needs" in english.text and 'lang="en"' in english.text
            post_form(console, "/me/needs", "/language", language="id", next="/me/needs")

            # The other roles' pages render with the same data.
            post_form(console, "/me/needs", "/logout")
            sign_in(console, "atasan")
            team = console.get("/team")
            assert team.status_code == 200, team.text
            assert "Siti Rahmawati" in team.text and "PRIMA-1" in team.text
            post_form(console, "/team", "/logout")
            sign_in(console, "kepala-unit")
            unit = console.get("/unit")
            assert unit.status_code == 200, unit.text
            assert "<svg" in unit.text and "Pelayanan Publik" in unit.text
            assert console.get("/bkpsdm").status_code == 403
            post_form(console, "/unit", "/logout")
            assert sign_in(console, "bkpsdm").headers["location"] == "/me/needs"
            home = console.get("/bkpsdm")
            assert home.status_code == 200, home.text
            assert "Rp 2.500.000" in home.text and "Kesenjangan kompetensi" in home.text
            listed = console.get("/bkpsdm/needs?unit_code=PKM-PADANGBULAN")
            assert NURSE in listed.text
            assert "Belum ada kebutuhan" in console.get("/bkpsdm/needs?unit_code=DISDUKCAPIL").text
            planned = post_form(console, "/bkpsdm/batches", "/bkpsdm/planner?year=2027")
            assert planned.status_code == 303
            batches = console.get(planned.headers["location"])
            assert "Perencana selesai" in batches.text and "PRIMA-1" in batches.text
