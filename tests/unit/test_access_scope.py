"""Scopes as queries FerretDB can push down (shared/http/access.py, Scope.within).

FerretDB v1 answers a flat document of equalities from the lookup indexes but scans the collection for
``$and``/``$or``: an employee's own needs list, queried as ``{$and: [{nip}, {nip}]}``, took 98 s over
37,655 needs. These tests pin the shape of each caller's query, and that it still means the same rule.
"""

from __future__ import annotations

from typing import Any

from mongoengine import Q

from services.needs.documents import NeedDocument
from shared.http.access import Scope

ME, OTHER = "199002202015032001", "198208082008011002"


def shape(q: Q | None) -> dict[str, Any] | None:
    return None if q is None else q.to_query(NeedDocument)


def test_an_employees_own_list_is_one_flat_equality_on_the_nip_with_or_without_the_nip_filter():
    me = Scope(nip=ME)
    assert shape(me.within({"fiscal_year": 2027})) == {"fiscal_year": 2027, "nip": ME}
    assert shape(me.within({"nip": ME, "status": "open"})) == {"nip": ME, "status": "open"}


def test_an_employee_asking_for_someone_elses_records_gets_no_query_at_all():
    assert Scope(nip=ME).within({"nip": OTHER}) is None


def test_bkpsdm_and_a_filter_the_scope_already_covers_add_no_condition():
    assert shape(Scope(nip=ME, everyone=True).within({"source": "jp_shortfall"})) == {"source": "jp_shortfall"}
    supervisor = Scope(nip=ME, reports=True, units=frozenset({"PKM-A", "PKM-B"}))
    assert shape(supervisor.within({"nip": ME})) == {"nip": ME}
    assert shape(supervisor.within({"unit_code": "PKM-B"})) == {"unit_code": "PKM-B"}


def test_a_supervisor_asking_for_a_direct_report_is_one_flat_query_too():
    supervisor = Scope(nip=ME, reports=True)
    assert shape(supervisor.within({"nip": OTHER, "status": "open"})) == {
        "nip": OTHER,
        "status": "open",
        "supervisor_nip": ME,
    }
    assert shape(supervisor.within({"supervisor_nip": ME})) == {"supervisor_nip": ME}  # the team page
    head = Scope(nip=ME, units=frozenset({"PKM-A"}))
    assert shape(head.within({"nip": OTHER})) == {"nip": OTHER, "unit_code": "PKM-A"}


def test_a_head_who_also_supervises_keeps_the_alternatives_the_filters_leave_open():
    head = Scope(nip=ME, reports=True, units=frozenset({"PKM-A", "PKM-B"}))
    assert shape(head.within({"nip": OTHER})) == {
        "$and": [{"nip": OTHER}, {"$or": [{"supervisor_nip": ME}, {"unit_code": {"$in": ["PKM-A", "PKM-B"]}}]}]
    }
    assert shape(head.within({})) == {
        "$or": [{"nip": ME}, {"supervisor_nip": ME}, {"unit_code": {"$in": ["PKM-A", "PKM-B"]}}]
    }
    # Another unit than theirs: only their own and their reports' records there.
    assert shape(head.within({"unit_code": "PKM-Z"})) == {
        "$and": [{"unit_code": "PKM-Z"}, {"$or": [{"nip": ME}, {"supervisor_nip": ME}]}]
    }
