"""How start-up reads FerretDB's plans to decide whether lookups are indexed (shared/ferretdb.py).

The plans are FerretDB 1.24's own answers to ``explain`` on PostgreSQL 15, captured from this project's
database; the altered ones are what an upgrade that changed its SQL would answer."""

from __future__ import annotations

import json

from services.needs.documents import AssessmentDocument, EmployeeDocument
from services.notifications.documents import DeliveryDocument, MessageDocument, PersonDocument
from shared.ferretdb import index_name, lookup_fields, pushed_down_as_indexed, read_probe, uses_index

# find {"_id": "2027-00050000"} on 100,000 documents, no lookup index yet: a parallel sequential scan.
SCANNED = json.loads(
    """{"Plan": {"Node Type": "Gather", "Parallel Aware": false, "Startup Cost": 1000.0, "Total Cost": 20860.0,
    "Plan Rows": 13600.0, "Workers Planned": 2.0, "Output": ["_jsonb"], "Plans": [{"Relation Name":
    "people_963335ee", "Schema": "exp", "Alias": "people_963335ee", "Output": ["_jsonb"], "Filter":
    "((people_963335ee._jsonb -> '_id'::text) @> '\\"2027-00050000\\"'::jsonb)", "Node Type": "Seq Scan",
    "Parent Relationship": "Outer", "Parallel Aware": true}]}}"""
)
# find {"_id": ..., "version": 1} with the lookup index on _id: the update's guard is rechecked in the heap.
INDEXED = json.loads(
    """{"Plan": {"Relation Name": "people_963335ee", "Schema": "exp", "Alias": "people_963335ee",
    "Recheck Cond": "((people_963335ee._jsonb -> '_id'::text) @> '\\"2027-00050000\\"'::jsonb)",
    "Filter": "((people_963335ee._jsonb -> 'version'::text) @> '1'::jsonb)", "Node Type": "Bitmap Heap Scan",
    "Plans": [{"Parent Relationship": "Outer", "Index Cond":
    "((people_963335ee._jsonb -> '_id'::text) @> '\\"2027-00050000\\"'::jsonb)", "Node Type": "Bitmap Index Scan",
    "Index Name": "people_963335ee__id_5f2a1c3b_lookup"}]}}"""
)


def with_filter(condition: str) -> dict[str, object]:
    return {"Plan": {"Node Type": "Seq Scan", "Relation Name": "people_963335ee", "Schema": "exp", "Filter": condition}}


def test_the_probe_names_the_collections_table_and_what_ferretdb_sends():
    probe = read_probe(SCANNED)
    assert probe is not None
    assert (probe.schema, probe.table) == ("exp", "people_963335ee")
    assert pushed_down_as_indexed(probe, "_id")
    assert not pushed_down_as_indexed(probe, "nip")


def test_an_index_already_in_use_is_recognised_and_the_guard_field_does_not_confuse_it():
    probe = read_probe(INDEXED)
    assert probe is not None and probe.table == "people_963335ee"
    assert pushed_down_as_indexed(probe, "_id")
    assert pushed_down_as_indexed(probe, "version")
    assert uses_index(INDEXED, "people_963335ee__id_5f2a1c3b_lookup")
    assert not uses_index(SCANNED, "people_963335ee__id_5f2a1c3b_lookup")


def test_an_upgrade_that_changes_the_sql_of_an_equality_is_caught():
    changed = [
        # containment on the whole document (a GIN index on _jsonb, not ours, would serve it)
        """(people_963335ee._jsonb @> '{"_id": "2027-00050000"}'::jsonb)""",
        # text equality
        "((people_963335ee._jsonb ->> '_id'::text) = '2027-00050000'::text)",
        # the key left a parameter (a generic plan)
        "((people_963335ee._jsonb -> $1) @> $2)",
        # a path operator
        "((people_963335ee._jsonb #> '{_id}'::text[]) @> '\"2027-00050000\"'::jsonb)",
    ]
    for condition in changed:
        probe = read_probe(with_filter(condition))
        assert probe is not None and not pushed_down_as_indexed(probe, "_id"), condition


def test_no_condition_at_all_means_nothing_was_pushed_down():
    probe = read_probe({"Plan": {"Node Type": "Seq Scan", "Relation Name": "people_963335ee", "Schema": "exp"}})
    assert probe is not None and not pushed_down_as_indexed(probe, "_id")


def test_a_plan_that_is_not_postgresqls_is_not_read_as_one():
    # FerretDB on SQLite answers explain with SQLite's EXPLAIN QUERY PLAN rows.
    assert read_probe({"Plan": ["id=2 parent=0 notused=0 detail=SCAN people_963335ee"]}) is None
    assert read_probe({}) is None


def test_lookup_fields_are_id_and_the_top_level_fields_of_the_declared_indexes_except_dates():
    assert lookup_fields(EmployeeDocument) == ["_id", "unit_code", "supervisor_nip"]
    assert lookup_fields(AssessmentDocument) == ["_id", "nip", "competency_code"]
    # (recipient_nip, -created_at) and (recipient_nip, read_at): dates serve ranges and sorting, which
    # FerretDB v1 does in memory; recipient_nip is indexed once.
    assert lookup_fields(MessageDocument) == ["_id", "recipient_nip"]
    assert lookup_fields(DeliveryDocument) == [
        "_id",
        "status",
        "channel",
        "event_id",
        "subscription_id",
        "recipient_nip",
    ]
    # a list field: FerretDB's @> matches an element, and so does the GIN index
    assert "head_of_units" in lookup_fields(PersonDocument)


def test_index_names_fit_postgresql_and_differ_per_table_and_field():
    long_table = "a_collection_name_long_enough_to_be_cut_by_ferretdb_0123456_9f8e7d6c"[:63]
    names = {index_name(t, f) for t in ("employees_1a2b3c4d", long_table) for f in ("_id", "unit_code", "unit.code")}
    assert len(names) == 6
    assert all(len(n) <= 63 and n.endswith("_lookup") for n in names)
    assert index_name("employees_1a2b3c4d", "unit_code") == index_name("employees_1a2b3c4d", "unit_code")
