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


class PhaseDocument(Document):
    """A phase (tahap) of a fiscal year's implementation plan: a date window, a budget and a capacity."""

    meta = document_meta(ALIAS, "phases", "fiscal_year")

    code = StringField(primary_key=True)
    fiscal_year = IntField(required=True)
    title = StringField(required=True)
    starts_on = DateField(required=True)
    ends_on = DateField(required=True)
    budget = FloatField(required=True, min_value=0)
    capacity = IntField(min_value=1)  # participants over the whole phase; empty = only the batches limit it


class BatchDocument(OutboxDocument):
    """A batch (angkatan) of a programme inside a phase. An OutboxDocument for its version guard: its
    changes reach people through the enrolments they touch."""

    meta = document_meta(ALIAS, "batches", "fiscal_year", "phase_code", "status")

    id = StringField(primary_key=True)
    fiscal_year = IntField(required=True)
    phase_code = StringField(required=True)
    program_code = StringField(required=True)
    starts_on = DateField(required=True)
    ends_on = DateField(required=True)
    capacity = IntField(required=True, min_value=1)
    sessions = IntField(required=True, min_value=1)
    location = StringField()
    host_agency = StringField()
    status = StringField(required=True)  # scheduled, cancelled, closed
    cancel_reason = StringField()
    created_at = DateTimeField(required=True)


class PlannedNeedDocument(Document):
    """A need announced by the needs service, as the planner sees it, with the planner's last decision.
    (Not named NeedDocument: mongoengine keeps one registry of class names for the whole process, and
    the needs service has that name; a clash would leave one of them with a stale connection.)"""

    meta = document_meta(ALIAS, "needs", "fiscal_year", "nip", "status", "unit_code")

    id = StringField(primary_key=True)
    fiscal_year = IntField(required=True)
    nip = StringField()
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    competency_code = StringField(required=True)
    competency_name = StringField()
    required_level = IntField()
    priority = FloatField(required=True)
    source = StringField(required=True)
    jp_shortfall = IntField()
    # An evaluation follow-up's remedy, and what the PPPK cap needs (NeedIdentified v1, additive fields).
    recommended_form = StringField()
    barriers = ListField(StringField())
    program_code = StringField()  # the programme that did not transfer
    employment_type = StringField()
    identified_at = DateTimeField(required=True)
    announced_at = DateTimeField()  # time of the latest event applied (NeedIdentified or NeedResolved)
    status = StringField(required=True)  # open, placed, waitlisted, resolved, unit_level
    batch_code = StringField()
    batch_codes = ListField(StringField())  # a JP shortfall met by several batches: all of them
    reason_code = StringField()
    explanation = StringField()
    explanation_en = StringField()
    rank = IntField()
    decided_at = DateTimeField()


class EnrolmentDocument(OutboxDocument):
    """A seat of one employee in one batch (id ``<batch>:<nip>``), serving one or more needs."""

    meta = document_meta(ALIAS, "enrolments", "nip", "status", "batch_code", "fiscal_year", "outbox_pending")

    id = StringField(primary_key=True)
    batch_code = StringField(required=True)
    phase_code = StringField(required=True)
    program_code = StringField(required=True)
    fiscal_year = IntField(required=True)
    nip = StringField(required=True)
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    need_ids = ListField(StringField())
    cost = FloatField(required=True)
    status = StringField(required=True)
    explanation = StringField()
    explanation_en = StringField()
    reason = StringField()
    reason_en = StringField()
    # [{status, by, at, note}]: who moved the seat, when and why
    history = ListField(DictField())
    attended_sessions = ListField(IntField())
    pre_score = FloatField()
    post_score = FloatField()
    host_agency = StringField()
    # {objectives, agreed_by, agreed_on}; {summary, submitted_on}
    learning_agreement = DictField()
    final_report = DictField()
    attendance_pct = FloatField()
    completed_on = DateField()
    certificate_number = StringField()
    created_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)


class PlanLeaseDocument(OutboxDocument):
    """One planning run at a time per fiscal year, across replicas: whoever commits the lease first
    (version guard) plans; the other waits for the next turn."""

    meta = document_meta(ALIAS, "plan_leases")

    id = StringField(primary_key=True)
    holder = StringField()
    until = DateTimeField()
    last_run = DictField()


ALL_DOCUMENTS = (
    ProgramDocument,
    CurriculumDocument,
    PhaseDocument,
    BatchDocument,
    PlannedNeedDocument,
    EnrolmentDocument,
    PlanLeaseDocument,
)
