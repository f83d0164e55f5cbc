import json
from datetime import date

import jsonschema
import pytest

from shared.events import (
    ALL_CONTRACTS,
    NEED_IDENTIFIED,
    PROGRAM_COMPLETED,
    InvalidEvent,
    ProgramCompleted,
    build_record,
    read_context,
    read_payload,
)
from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.events.publish_docs import asyncapi_document, channel_name, documents
from tests.support.events import need_payload as need


def test_an_event_travels_as_cloudevents_binary_mode_keyed_by_nip():
    record = build_record(NEED_IDENTIFIED, need(), subject="199002202015032001", correlation_id="req-42")
    assert record.topic == "bkpsdm.needs.need-identified.v1"
    assert record.key == "199002202015032001"
    h = record.headers
    assert h["ce_specversion"] == "1.0"
    assert h["ce_id"] == record.event_id
    assert h["ce_source"] == "/bkpsdm-medan/needs"
    assert h["ce_type"] == "id.go.pemkomedan.bkpsdm.needs.NeedIdentified.v1"
    assert h["ce_subject"] == "199002202015032001"
    assert h["ce_dataschema"] == "urn:bkpsdm-medan:event-schema:need-identified:v1"
    assert h["content-type"] == "application/json"
    assert h["ce_correlationid"] == "req-42"
    assert json.loads(record.value)["gap"] == 2  # the value is the bare payload

    ctx = read_context(NEED_IDENTIFIED, h)
    assert (ctx.id, ctx.subject, ctx.correlation_id) == (record.event_id, "199002202015032001", "req-42")
    assert read_payload(NEED_IDENTIFIED, record.value) == need()


def test_a_record_claiming_another_source_is_refused_as_forged():
    headers = build_record(NEED_IDENTIFIED, need(), subject="x").headers | {"ce_source": "/bkpsdm-medan/training"}
    with pytest.raises(InvalidEvent, match="may not publish NeedIdentified"):
        read_context(NEED_IDENTIFIED, headers)


def test_a_record_of_another_type_or_missing_attributes_is_refused():
    headers = build_record(NEED_IDENTIFIED, need(), subject="x").headers
    with pytest.raises(InvalidEvent, match="does not belong"):
        read_context(PROGRAM_COMPLETED, headers | {"ce_source": "/bkpsdm-medan/training"})
    with pytest.raises(InvalidEvent, match="ce_id"):
        read_context(NEED_IDENTIFIED, {k: v for k, v in headers.items() if k != "ce_id"})
    with pytest.raises(InvalidEvent, match="specversion"):
        read_context(NEED_IDENTIFIED, headers | {"ce_specversion": "0.3"})


def test_a_payload_that_breaks_the_schema_is_refused():
    with pytest.raises(InvalidEvent, match="need-identified"):
        read_payload(NEED_IDENTIFIED, b'{"need_id": "x", "gap": -1}')
    with pytest.raises(InvalidEvent):
        read_payload(NEED_IDENTIFIED, b"not json")


def test_a_consumer_tolerates_fields_added_later_within_a_version():
    value = json.loads(need().model_dump_json()) | {"added_in_v1_1": "ignored"}
    assert read_payload(NEED_IDENTIFIED, json.dumps(value).encode()) == need()


def test_the_checked_in_schemas_and_asyncapi_match_the_code():
    stale = [str(path) for path, content in documents().items() if not path.exists() or path.read_text() != content]
    assert not stale, f"regenerate with `make schemas`: {stale}"


def test_published_payloads_validate_against_their_json_schema():
    completed = ProgramCompleted(
        enrolment_id="enr-1",
        nip="199002202015032001",
        unit_code="PKM-PADANGBULAN",
        program_code="PEL-PRIMA-2027",
        program_title="Pelatihan Pelayanan Prima",
        form=DevelopmentForm.TRAINING,
        competencies=[CompetencyTarget(code="M.05", target_level=3)],
        jp=24,
        attendance_pct=95,
        started_on=date(2027, 3, 1),
        completed_on=date(2027, 3, 4),
        certificate_number="BKPSDM-MDN/2027/0001",
    )
    for contract, payload in ((NEED_IDENTIFIED, need()), (PROGRAM_COMPLETED, completed)):
        jsonschema.validate(json.loads(payload.model_dump_json()), contract.json_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"nip": "123"}, NEED_IDENTIFIED.json_schema())


def test_the_asyncapi_document_describes_every_topic_with_its_cloudevents_headers():
    spec = asyncapi_document()
    assert spec["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in spec["channels"].values()}
    assert addresses == {c.topic for c in ALL_CONTRACTS}
    for contract in ALL_CONTRACTS:
        message = spec["components"]["messages"][f"{channel_name(contract)}:Message"]
        assert message["headers"]["properties"]["ce_type"] == {"const": contract.type}
        assert message["headers"]["properties"]["ce_source"]["const"] == contract.source
        assert spec["operations"][channel_name(contract)]["action"] == "send"
