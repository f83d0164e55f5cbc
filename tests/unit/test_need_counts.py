"""The needs counted per unit and year (the read model of BKPSDM's city-wide pages): the groups, the recap
taken from them, and the list's pages laid over them."""

from hypothesis import given
from hypothesis import strategies as st

from services.needs import reports


def need(year, competency, source, status, priority, name="Pelayanan Publik", gap=1):
    return {
        "gap": gap,
        "fiscal_year": year,
        "competency_code": competency,
        "competency_name": name,
        "source": source,
        "status": status,
        "priority": priority,
    }


UNIT_NEEDS = [
    need(2027, "M.05", "competency_gap", "open", 3.0, gap=2),
    need(2027, "M.05", "competency_gap", "open", 1.5),
    need(2027, "M.05", "competency_gap", "open", 3.0, gap=2),
    need(2027, "M.05", "competency_gap", "resolved", 2.0),
    need(2027, "JP", "jp_shortfall", "open", 1.2, "Jam pelajaran"),
    need(2026, "M.05", "competency_gap", "open", 4.0),
]


def test_a_units_needs_are_counted_per_year_competency_source_status_and_gap_largest_first():
    groups = reports.count_groups(UNIT_NEEDS)
    assert sorted(groups) == [2026, 2027]
    m05 = {"competency_code": "M.05", "source": "competency_gap", "competency_name": "Pelayanan Publik"}
    assert groups[2027] == [
        {"competency_code": "JP", "source": "jp_shortfall", "status": "open", "gap": 1}
        | {"competency_name": "Jam pelajaran", "needs": 1, "priority": 1.2},
        m05 | {"status": "open", "gap": 2, "needs": 2, "priority": 6.0},
        m05 | {"status": "open", "gap": 1, "needs": 1, "priority": 1.5},
        m05 | {"status": "resolved", "gap": 1, "needs": 1, "priority": 2.0},
    ]
    assert groups[2026][0]["needs"] == 1


def test_the_recap_from_the_counts_equals_the_recap_from_the_needs_but_for_the_people():
    needs = [n | {"unit_code": u, "nip": f"{i}"} for i, (n, u) in enumerate(zip(UNIT_NEEDS, "AABBAB", strict=True))]
    counted = [
        {"fiscal_year": year, "unit_code": unit} | g
        for unit in "AB"
        for year, groups in reports.count_groups([n for n in needs if n["unit_code"] == unit]).items()
        for g in groups
        if year == 2027
    ]
    this_year = [n for n in needs if n["fiscal_year"] == 2027]
    for by in ("unit", "competency", "source"):
        expected = [{k: v for k, v in r.items() if k != "employees"} for r in reports.needs_recap(this_year, by, {})]
        assert reports.counts_recap(counted, by, {}) == expected


def test_the_recap_from_the_counts_names_units_and_sources():
    counted = [{"unit_code": "PKM-A", "fiscal_year": 2027} | g for g in reports.count_groups(UNIT_NEEDS)[2027]]
    (unit,) = reports.counts_recap(counted, "unit", {"PKM-A": "Puskesmas A"})
    assert unit == {"unit": "PKM-A", "name": "Puskesmas A", "needs": 5, "open": 4, "resolved": 1} | {
        "mean_priority": 2.14
    }
    sources = {r["source"]: r["name"] for r in reports.counts_recap(counted, "source", {})}
    assert sources["jp_shortfall"] == "Kekurangan JP"


def test_a_page_takes_the_groups_its_items_fall_in():
    sizes = [3, 0, 5, 2]
    assert reports.page_slices(sizes, 0, 2) == [(0, 0, 2)]
    assert reports.page_slices(sizes, 2, 4) == [(0, 2, 3), (2, 0, 3)]
    assert reports.page_slices(sizes, 8, 20) == [(3, 0, 2)]
    assert reports.page_slices(sizes, 10, 5) == []


@given(st.lists(st.integers(0, 30), max_size=12), st.integers(1, 25))
def test_the_pages_cover_every_item_exactly_once(sizes, limit):
    seen = [
        (group, item)
        for offset in range(0, sum(sizes) + limit, limit)
        for group, first, end in reports.page_slices(sizes, offset, limit)
        for item in range(first, end)
    ]
    assert seen == [(group, item) for group, size in enumerate(sizes) for item in range(size)]
