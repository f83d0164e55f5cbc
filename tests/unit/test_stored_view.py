"""A stored document read through ``Stored`` (the hot reads' pages) shows what mongoengine's own document
would: every field converted the same way, defaults where the database holds nothing."""

from datetime import UTC, date, datetime

import pytest

from services.training.documents import EnrolmentDocument
from services.training.http.schemas import EnrolmentOut
from shared.persistence import Stored

AT = datetime(2027, 3, 1, 8, 30, tzinfo=UTC)

# As the database holds a seat: db field names, a DateField as a datetime, optional fields absent or null.
RAW = {
    "_id": "B-01:198001012005011001",
    "outbox": [{"event_id": "e1"}],
    "batch_code": "B-01",
    "phase_code": "T1",
    "program_code": "P-01",
    "fiscal_year": 2027,
    "nip": "198001012005011001",
    "unit_code": "U001",
    "supervisor_nip": None,
    "need_ids": ["n1", "n2"],
    "cost": 1500000.0,
    "status": "completed",
    "history": [{"status": "placed", "by": "planner", "at": AT}],
    "attended_sessions": [1, 2, 3],
    "post_score": 82.5,
    "learning_agreement": {},
    "completed_on": datetime(2027, 3, 20, tzinfo=UTC),
    "created_at": AT,
    "updated_at": AT,
}


def test_every_field_reads_as_mongoengine_converts_it():
    stored, document = Stored(EnrolmentDocument, RAW), EnrolmentDocument._from_son(RAW)
    for name in EnrolmentDocument._fields:
        assert getattr(stored, name) == getattr(document, name), name
    assert stored.id == RAW["_id"]
    assert stored.completed_on == date(2027, 3, 20)  # a DateField, stored as a datetime
    assert stored.attended_sessions == [1, 2, 3]
    assert stored.final_report == {} and stored.pre_score is None  # absent: the field's default
    assert stored.supervisor_nip is None


def test_an_answer_built_from_it_is_the_one_built_from_the_document():
    assert EnrolmentOut.of(Stored(EnrolmentDocument, RAW)) == EnrolmentOut.of(EnrolmentDocument._from_son(RAW))


def test_a_name_that_is_no_field_is_refused():
    with pytest.raises(AttributeError, match="no field 'save'"):
        Stored(EnrolmentDocument, RAW).save  # noqa: B018 - the attribute access is what is tested
