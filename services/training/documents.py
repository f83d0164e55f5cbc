"""MongoDB documents of the training service (database alias ``training``)."""

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
    ListField,
    StringField,
)

from shared.messaging.outbox import OutboxDocument
from shared.persistence import CompetencyLevel, document_meta

ALIAS = "training"


class ProgramDocument(Document):
    meta = document_meta(ALIAS, "programs", "active")

    code = StringField(primary_key=True)
    title = StringField(required=True)
    form = StringField(required=True)
    competencies = EmbeddedDocumentListField(CompetencyLevel, required=True)  # level a participant reaches
    jp = IntField(required=True, min_value=0)
    days = IntField()
    international = BooleanField(default=False)
    provider = StringField(required=True)
    provider_kind = StringField(required=True)
    delivery_mode = StringField(required=True)
    location = StringField()
    host_region = StringField()
    cost_per_participant = FloatField(default=0.0)
    capacity_per_batch = IntField(default=30)
    min_attendance_pct = FloatField(default=80.0)
    passing_score = FloatField()
    curriculum_code = StringField()
    active = BooleanField(default=True)


class CurriculumDocument(OutboxDocument):
    """A curriculum co-developed with a partner institution, in versions each with its own review.
    An OutboxDocument for its version guard; it announces nothing itself."""

    meta = document_meta(ALIAS, "curricula")

    id = StringField(primary_key=True)
    title = StringField(required=True)
    partner = StringField(required=True)
    # [{version, status, modules: [{title, jp, competency_code, learning_outcome}], history: [...]}]
    versions = ListField(DictField())


class EnrolmentDocument(OutboxDocument):
    meta = document_meta(ALIAS, "enrolments", "nip", "status", "program_code", "outbox_pending")

    id = StringField(primary_key=True)
    need_id = StringField()
    nip = StringField(required=True)
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    competency_code = StringField(required=True)
    required_level = IntField()
    fiscal_year = IntField(required=True)
    program_code = StringField()
    status = StringField(required=True)
    reason = StringField()
    reason_en = StringField()
    attendance_pct = FloatField()
    pre_score = FloatField()
    post_score = FloatField()
    started_on = DateField()
    completed_on = DateField()
    certificate_number = StringField()
    created_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)


ALL_DOCUMENTS = (ProgramDocument, EnrolmentDocument, CurriculumDocument)
