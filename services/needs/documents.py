"""MongoDB documents of the needs service (database alias ``needs``)."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocumentListField,
    FloatField,
    IntField,
    StringField,
)

from shared.messaging.outbox import OutboxDocument
from shared.persistence import CompetencyLevel, document_meta

ALIAS = "needs"


def _meta(collection: str, *indexes: object) -> dict[str, object]:
    return document_meta(ALIAS, collection, *indexes)


class UnitDocument(Document):
    meta = _meta("units", "parent_code")

    code = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    parent_code = StringField()
    front_line = BooleanField(default=False)


class CompetencyDocument(Document):
    meta = _meta("competencies")

    code = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    weight = FloatField(default=1.0)
    unit_code = StringField()  # technical competencies belong to the unit that authored them


class PositionDocument(Document):
    meta = _meta("positions", "unit_code")

    code = StringField(primary_key=True)
    title = StringField(required=True)
    type = StringField(required=True)
    unit_code = StringField()
    standard = EmbeddedDocumentListField(CompetencyLevel)  # required levels over the type's defaults


class EmployeeDocument(Document):
    meta = _meta("employees", "unit_code", "supervisor_nip")

    nip = StringField(primary_key=True)
    name = StringField(required=True)
    unit_code = StringField(required=True)
    position_code = StringField(required=True)
    supervisor_nip = StringField()
    employment_type = StringField(required=True, choices=("PNS", "PPPK"))


class AssessmentDocument(Document):
    # One row per (employee, competency, source, date): re-recording the same assessment overwrites it.
    meta = _meta(
        "assessments",
        {"fields": ["nip", "competency_code", "source", "assessed_on"], "unique": True},
    )

    nip = StringField(required=True)
    competency_code = StringField(required=True)
    source = StringField(required=True)
    assessed_on = DateField(required=True)
    level = IntField(required=True, min_value=1, max_value=5)
    recorded_by = StringField()
    recorded_at = DateTimeField(required=True)


class NeedDocument(OutboxDocument):
    meta = _meta("needs", "nip", "unit_code", ("fiscal_year", "unit_code"), "outbox_pending")

    id = StringField(primary_key=True)
    nip = StringField()
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    position_code = StringField()
    competency_code = StringField(required=True)
    competency_name = StringField(required=True)
    required_level = IntField()
    assessed_level = IntField()
    gap = IntField(required=True)
    priority = FloatField(required=True)
    priority_parts = DictField()
    source = StringField(required=True)
    fiscal_year = IntField(required=True)
    status = StringField(required=True, choices=("open", "resolved"))
    identified_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)


ALL_DOCUMENTS = (UnitDocument, CompetencyDocument, PositionDocument, EmployeeDocument, AssessmentDocument, NeedDocument)
