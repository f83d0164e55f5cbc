from services.needs import reports
from services.needs.domain import JpRule
from shared.http.reports import to_csv


def need(unit, competency, source, status, priority, nip):
    return {
        "unit_code": unit,
        "competency_code": competency,
        "source": source,
        "status": status,
        "priority": priority,
        "nip": nip,
    }


NEEDS = [
    need("PKM-A", "M.05", "competency_gap", "open", 3.0, "1"),
    need("PKM-A", "M.05", "competency_gap", "resolved", 1.5, "2"),
    need("PKM-A", "JP", "jp_shortfall", "open", 1.2, "1"),
    need("DINKES", "M.03", "unit_request", "open", 1.0, None),
]


def test_the_recap_per_unit_counts_needs_people_and_mean_priority():
    rows = reports.needs_recap(NEEDS, "unit", {"PKM-A": "Puskesmas A", "DINKES": "Dinas Kesehatan"})
    assert rows[0] == {
        "unit": "PKM-A",
        "name": "Puskesmas A",
        "needs": 3,
        "open": 2,
        "resolved": 1,
        "employees": 2,
        "mean_priority": 1.9,
    }  # (3.0 + 1.5 + 1.2) / 3
    assert rows[1]["unit"] == "DINKES" and rows[1]["employees"] == 0


def test_the_recap_per_source_names_each_source_in_indonesian():
    rows = {r["source"]: r for r in reports.needs_recap(NEEDS, "source", {})}
    assert rows["jp_shortfall"]["name"] == "Kekurangan JP"
    assert rows["competency_gap"]["needs"] == 2


def test_jp_compliance_per_employee_and_per_unit():
    employees = [
        {"nip": "1", "name": "A", "unit_code": "PKM-A", "employment_type": "PNS"},
        {"nip": "2", "name": "B", "unit_code": "PKM-A", "employment_type": "PPPK"},
        {"nip": "3", "name": "C", "unit_code": "DINKES", "employment_type": "PNS"},
    ]
    people, units = reports.jp_compliance(employees, {"1": 12, "2": 30}, {"PNS": JpRule(20), "PPPK": JpRule(20)})
    by_nip = {p["nip"]: p for p in people}
    assert (by_nip["1"]["jp_shortfall"], by_nip["1"]["compliant"]) == (8, False)
    assert (by_nip["2"]["jp_earned"], by_nip["2"]["compliant"]) == (30, True)  # every JP counts
    assert by_nip["3"]["jp_shortfall"] == 20
    assert units == [
        {"unit_code": "DINKES", "employees": 1, "compliant": 0, "compliance_pct": 0.0, "mean_jp": 0.0},
        {"unit_code": "PKM-A", "employees": 2, "compliant": 1, "compliance_pct": 50.0, "mean_jp": 21.0},
    ]


def test_csv_has_a_header_and_one_line_per_row():
    text = to_csv([{"a": 1, "b": "x,y"}, {"a": 2, "b": "z"}])
    assert text.splitlines() == ["a,b", '1,"x,y"', "2,z"]
