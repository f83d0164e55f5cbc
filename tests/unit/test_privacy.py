"""Pure parts of the personal-data plumbing: what events may carry, pseudonyms, finding people in answers."""

import json
import re

import pytest
from pydantic import ValidationError

from shared.audit.settings import PrivacySettings
from shared.audit.subjects import _rewrite, _without, pseudonym
from shared.audit.trail import nips_in_request, nips_in_response
from shared.events import ALL_CONTRACTS

NIP = "199002202015032001"
HEAD = "197911232006041003"
# Field names that would carry a name or contact details.
IDENTIFYING = re.compile(r"(^|_)(name|nama|email|e_mail|phone|telepon|address|alamat|nik|birth|lahir)($|_)")
# No field carries a person's data on purpose: since version 2 an access answer refers to the export
# its service keeps (shared/audit/exports.py) instead of carrying it.
ALLOWED: set[tuple[str, str]] = set()


def fields_of(schema, defs, prefix=""):
    for name, prop in schema.get("properties", {}).items():
        yield prefix + name
        for ref in re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(prop)):
            yield from fields_of(defs[ref], defs, f"{prefix}{name}.")


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: f"{c.producer}.{c.name}")
def test_events_carry_nips_and_codes_not_names_or_contact_details(contract):
    schema = contract.json_schema()
    names = list(fields_of(schema, schema.get("$defs", {})))
    identifying = [n for n in names if IDENTIFYING.search(n.rsplit(".", 1)[-1]) and (contract.name, n) not in ALLOWED]
    # A competency's or programme's name is no person's; every other name field is refused.
    assert [n for n in identifying if n not in ("competency_name",)] == []


def test_a_pseudonym_is_stable_keyed_and_never_a_nip():
    assert pseudonym("k1", NIP) == pseudonym("k1", NIP)
    assert pseudonym("k1", NIP) != pseudonym("k2", NIP)
    assert not re.fullmatch(r"\d{18}", pseudonym("k1", NIP))


def test_pseudonymising_rewrites_every_string_but_leaves_the_outbox_alone():
    doc = {"_id": f"B1:{NIP}", "nip": NIP, "history": [{"by": HEAD}], "outbox": [{"key": NIP}], "jp": 24}
    out = _rewrite(doc, lambda s: s.replace(NIP, "PSN1"))
    assert out == {"_id": "B1:PSN1", "nip": "PSN1", "history": [{"by": HEAD}], "outbox": [{"key": NIP}], "jp": 24}


def test_free_text_is_dropped_by_path():
    doc = {"answers": {"overall": 4, "comments": "Bu Siti ..."}, "final_report": {"summary": "x"}, "nip": NIP}
    assert _without(doc, ("answers.comments", "final_report")) == {"answers": {"overall": 4}, "nip": NIP}


def test_people_are_found_in_paths_queries_json_and_csv():
    assert nips_in_request({"enrolment_id": f"B1:{NIP}"}, [("supervisor_nip", HEAD), ("q", "12")]) == [NIP, HEAD]
    body = json.dumps(
        {"items": [{"nip": NIP, "id": f"B1:{NIP}-L3", "evaluator_nip": HEAD, "score": 123456789012345678}]}
    )
    assert nips_in_response("application/json", body.encode()) == [NIP, NIP, HEAD]
    assert nips_in_response("text/csv; charset=utf-8", f"nip,jp\n{NIP},24\n".encode()) == [NIP]
    assert nips_in_response("text/html", NIP.encode()) == []


def test_production_refuses_the_development_pseudonym_key(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="PRIVACY_PSEUDONYM_KEY"):
        PrivacySettings()
    monkeypatch.setenv("PRIVACY_PSEUDONYM_KEY", "a-real-key-from-the-vault")
    monkeypatch.setenv("RETENTION_DAYS", '{"messages": 30}')
    assert PrivacySettings().retention_days == {"messages": 30}


@pytest.mark.parametrize("kind", ["audit_trail", "privacy_receipts"])
def test_the_records_that_account_for_processing_are_kept_at_least_five_years(monkeypatch, kind):
    monkeypatch.setenv("RETENTION_DAYS", json.dumps({kind: 1824}))
    with pytest.raises(ValidationError, match=f"minimum kept for accountability.*{kind} 1825"):
        PrivacySettings()
    monkeypatch.setenv("RETENTION_DAYS", json.dumps({kind: 3650}))
    assert PrivacySettings().retention_days == {kind: 3650}


def test_an_export_is_stored_in_bounded_parts_that_join_back_to_what_the_digest_names():
    from shared.audit.exports import canonical, digest_of, joined, split

    data = {"audit_trail": [{"route": "/x", "n": i, "text": "é" * 100} for i in range(1_000)], "needs": []}
    parts = split(data, part_bytes=10_000)
    assert len(parts) > 10
    assert all(len(canonical(p)) < 10_000 + 300 for p in parts)  # a part passes its size by one record at most
    assert joined(parts) == data
    assert digest_of(joined(parts)) == digest_of(data) == digest_of(dict(reversed(data.items())))  # key order
    assert split({}) == [{}] and joined([{}]) == {}
