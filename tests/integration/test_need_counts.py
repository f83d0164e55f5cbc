"""The needs counted per unit and year, over the real database: after needs are opened, resolved and
moved between units, one at a time and in bulk, the counts BKPSDM's pages read match a recount of the
needs, the list paged from them shows every need exactly once, and a deployment that had needs before
the counts existed gets them at start-up. Until a unit's recount, the pages say that it waits for it."""

from collections import Counter

from pymongo import MongoClient

from services.console.http.web import LANGUAGE_COOKIE
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.console import console_over, post_form, sign_in
from tests.support.demo import HEAD, UNIT, load_puskesmas
from tests.support.waiting import eventually

OTHER = "PKM-SUNGGAL"
STAFF = [f"199002202015032{i + 101:03d}" for i in range(24)]


def staff_in(needs, admin):
    """24 nurses, half in each puskesmas, each assessed below the standard on both of the position's
    competencies (M.05 standard 3, M.03 standard 2), at levels that make their priorities differ."""
    response = needs.put(
        f"/units/{OTHER}",
        json={"name": "Puskesmas Sunggal", "kind": "puskesmas", "parent_code": "DINKES"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    for i, nip in enumerate(STAFF):
        body = {"name": f"Perawat {i}", "unit_code": UNIT if i % 2 else OTHER, "position_code": "PERAWAT"}
        assert needs.put(f"/employees/{nip}", json=body, headers=admin).status_code == 200
    assessments = [
        {"nip": nip, "competency_code": code, "level": i % 2 + 1 if code == "M.05" else 1}
        | {"source": "assessment_centre", "assessed_on": "2027-02-10"}
        for i, nip in enumerate(STAFF)
        for code in ("M.05", "M.03")
    ]
    response = needs.post("/assessments/bulk", json={"assessments": assessments}, headers=admin)
    assert response.status_code == 201, response.text


def recount(infra, namespace, fiscal_year):
    """The needs of the year counted straight from the database: (unit, source, status) -> number."""
    db = MongoClient(infra.mongodb_uri)[f"{namespace}_needs"]
    return Counter((n["unit_code"], n["source"], n["status"]) for n in db.needs.find({"fiscal_year": fiscal_year}))


def counted(needs, headers, fiscal_year, **params):
    """The same from the counts, as the pages read them (by unit, then by source within each unit)."""
    units = needs.get(
        "/reports/needs-counts", params={"fiscal_year": fiscal_year, "by": "unit"} | params, headers=headers
    ).json()["rows"]
    found: Counter[tuple[str, str, str]] = Counter()
    for u in units:
        rows = needs.get(
            "/reports/needs-counts",
            params={"fiscal_year": fiscal_year, "by": "source", "unit_code": u["unit"]},
            headers=headers,
        ).json()["rows"]
        for r in rows:
            found.update({(u["unit"], r["source"], s): r[s] for s in ("open", "resolved") if r[s]})
    return found


def listed(needs, headers, limit, **params):
    """Every page of the list in unit order, as the console pages through it: the ids, in page order."""
    ids, offset, total = [], 0, None
    while total is None or offset < total:
        page = needs.get(
            "/needs", params={"order": "unit", "limit": limit, "offset": offset} | params, headers=headers
        ).json()
        total = page["total"]
        ids += [n["need_id"] for n in page["items"]]
        offset += limit
    return ids, total


def test_the_counts_follow_opened_resolved_and_moved_needs_and_the_pages_show_each_once(
    run_service, admin, infra, namespace
):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        staff_in(needs, admin)
        # Three resolved (assessed at the standard), one moved to the other unit and re-analysed there.
        for nip in STAFF[:3]:
            body = {"nip": nip, "competency_code": "M.05", "level": 3, "source": "assessment_centre"}
            assert needs.post("/assessments", json=body | {"assessed_on": "2027-06-01"}, headers=admin).is_success
        moved = {"name": "Perawat 3", "unit_code": OTHER, "position_code": "PERAWAT"}
        assert needs.put(f"/employees/{STAFF[3]}", json=moved, headers=admin).status_code == 200
        body = {"nip": STAFF[3], "competency_code": "M.03", "level": 1, "source": "supervisor"}
        assert needs.post("/assessments", json=body | {"assessed_on": "2027-07-01"}, headers=admin).is_success
        # The whole population analysed for another year: the needs written in bulk.
        job = needs.post("/analysis/competency-gaps", json={"fiscal_year": 2028}, headers=admin).json()
        eventually(lambda: needs.get(f"/jobs/{job['job_id']}", headers=admin).json()["status"] == "done", what="2028")

        for year in (2027, 2028):
            expected = recount(infra, namespace, year)
            assert sum(expected.values()) > 40 and any(k[2] == "resolved" for k in expected) == (year == 2027)
            eventually(lambda y=year, e=expected: counted(needs, admin, y) == e, what=f"the counts of {year}")
            # Recounted: the pages no longer say that units wait for theirs.
            asked = needs.get("/reports/needs-counts", params={"fiscal_year": year}, headers=admin).json()
            assert asked["recounting_units"] == 0
        db = MongoClient(infra.mongodb_uri)[f"{namespace}_needs"]
        assert db.needs.find_one({"_id": f"2027-{STAFF[3]}-M.03"})["unit_code"] == OTHER  # counted there (above)

        # BKPSDM pages through the city, and a unit head through their unit's open needs.
        ids, total = listed(needs, admin, 7, fiscal_year=2027)
        assert total == sum(recount(infra, namespace, 2027).values()) == len(ids) == len(set(ids))
        head = bearer(HEAD, Role.UNIT_HEAD, Role.EMPLOYEE, unit=UNIT)
        unit_ids, unit_total = listed(needs, head, 5, fiscal_year=2027, unit_code=UNIT, status="open")
        mine = {n["_id"] for n in db.needs.find({"fiscal_year": 2027, "unit_code": UNIT, "status": "open"})}
        assert sorted(unit_ids) == sorted(mine) and unit_total == len(mine)
        # Within a group (a competency of a unit), highest priority first, as in the default order.
        page = needs.get("/needs", params={"order": "unit", "fiscal_year": 2027, "limit": 500}, headers=admin).json()
        first_group = [n for n in page["items"] if (n["unit_code"], n["competency_code"]) == (OTHER, "M.03")]
        assert len(first_group) > 1 and [n["priority"] for n in first_group] == sorted(
            (n["priority"] for n in first_group), reverse=True
        )
        # Beyond the head's units, the counts are refused like the recap.
        other = needs.get("/reports/needs-counts", params={"fiscal_year": 2027, "unit_code": OTHER}, headers=head)
        assert other.status_code == 403

    # A deployment whose needs predate the counts: the start-up sweep counts them.
    MongoClient(infra.mongodb_uri)[f"{namespace}_needs"].need_counts.drop()
    with run_service("needs") as needs:
        expected = recount(infra, namespace, 2027)
        eventually(lambda: counted(needs, admin, 2027) == expected, what="the counts backfilled at start-up")


def test_the_pages_say_how_many_units_wait_for_their_recount(run_service, admin):
    # Recounts an hour apart: the writes below wait for theirs, as a burst's do between paced rounds.
    with (
        run_service("needs", NEED_COUNTS_INTERVAL_S="3600") as needs,
        run_service("training") as training,
        run_service("evaluation") as evaluation,
    ):
        load_puskesmas(needs, admin)
        staff_in(needs, admin)  # needs written in both puskesmas

        def waiting(headers, **params):
            asked = needs.get("/reports/needs-counts", params={"fiscal_year": 2027} | params, headers=headers)
            assert asked.status_code == 200, asked.text
            return asked.json()["recounting_units"]

        assert waiting(admin) == 2
        assert waiting(bearer(HEAD, Role.UNIT_HEAD, Role.EMPLOYEE, unit=UNIT), unit_code=UNIT) == 1
        assert waiting(admin, fiscal_year=2028) == 0  # nothing written for that year

        services = {"needs": needs, "training": training, "evaluation": evaluation}
        with console_over(services, fiscal_year=2027) as console:
            sign_in(console, "kepala-unit")  # the head of PKM-PADANGBULAN: only their unit waits
            unit = console.get("/unit")
            assert unit.status_code == 200, unit.text
            assert 'role="status">Unit yang kebutuhannya baru berubah dan sedang dihitung ulang: 1.' in unit.text
            post_form(console, "/unit", "/logout")

            sign_in(console, "bkpsdm")
            home = console.get("/bkpsdm?year=2027")
            assert home.status_code == 200, home.text
            assert 'role="status">Unit yang kebutuhannya baru berubah dan sedang dihitung ulang: 2.' in home.text
            console.cookies.set(LANGUAGE_COOKIE, "en")
            assert "Units whose needs have just changed and are being recounted: 2." in console.get("/bkpsdm").text
