"""MongoDB documents of the training service (database alias ``training``)."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
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
    # The institution that owns it (a partner token's institution claim); empty on curricula made
    # before ownership, which only BKPSDM may change until it names one.
    institution = StringField()
    # [{version, status, modules: [{title, jp, competency_code, learning_outcome}], history: [...]}]
    versions = ListField(DictField())


class HostEvidence(EmbeddedDocument):
    """One figure on a host's public-service IT record, with where it came from."""

    indicator = StringField(required=True)  # e.g. spbe_index (the national e-government evaluation)
    value = FloatField(required=True)
    year = IntField(required=True)
    source_url = StringField()
    source_document = StringField()  # e.g. the KemenPANRB decree announcing the SPBE results
    recorded_by = StringField(required=True)
    recorded_at = DateTimeField(required=True)


class HostDocument(Document):
    """A benchmarking host (region or agency) in the register, chosen for its evidence."""

    meta = document_meta(ALIAS, "hosts")

    code = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    known_for = StringField(required=True)  # the public service it is known for
    evidence = EmbeddedDocumentListField(HostEvidence, required=True)
    updated_at = DateTimeField(required=True)


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
    host_code = StringField()  # benchmarking visits: the host from the register
    status = StringField(required=True)  # scheduled, cancelled, closed
    cancel_reason = StringField()
    created_at = DateTimeField(required=True)


class PlannedNeedDocument(Document):
    """A need announced by the needs service, as the planner sees it, with the planner's last decision.
    (Not named NeedDocument: mongoengine keeps one registry of class names for the whole process, and
    the needs service has that name; a clash would leave one of them with a stale connection.)"""

    # plan_state is the planner's work list, read with one equality (the only filter FerretDB v1 answers
    # from an index, shared/ferretdb.py): "pending" (announced, to decide), "resolved" (met, the seat
    # only proposed for it to withdraw); absent once the planner has done with it.
    meta = document_meta(ALIAS, "needs", "fiscal_year", "nip", "status", "unit_code", "plan_state")

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
    plan_state = StringField()


class EnrolmentDocument(OutboxDocument):
    """A seat of one employee in one batch (id ``<batch>:<nip>``), serving one or more needs."""

    meta = document_meta(
        ALIAS,
        "enrolments",
        "nip",
        "supervisor_nip",
        "status",
        "batch_code",
        "fiscal_year",
        "outbox_pending",
        "credential_id",
        "certificate_number",
        "planner_seen",
    )
    # Every write marks the seat for the planner's book of seats (plan.seatbook), which clears the mark.
    written_marks = {"planner_seen": False}

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
    # The participant's own choice (services.training.certificates): their name goes on the certificate
    # only if they set it before completion; empty keeps it to the hashed NIP.
    name_on_certificate = StringField()
    name_consent_at = DateTimeField()
    # The Open Badges 3.0 credential issued at completion, in the same write as the completion: the
    # signed JSON exactly as issued (signing again would give another proof), its status list entry.
    credential_id = StringField()
    credential = StringField()
    credential_status_list = StringField()
    credential_status_index = IntField()
    # Who revoked the certificate, when and why (the credential is the truth; the list follows it).
    revoked_at = DateTimeField()
    revoked_by = StringField()
    revocation_reason = StringField()
    planner_seen = BooleanField()  # false: written since the planner last read it (plan.seatbook)
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
    run = StringField()  # the run that took the lease last: whose book of seats is current (plan.seatbook)


class PlanChangesDocument(Document):
    """Per fiscal year (id), how often the plan changed in a way that can let a waiting need in (a seat
    freed, a batch or phase scheduled, changed, cancelled or closed), and the count the last run that
    reconsidered every need planned at. While the two agree, a run decides only the needs that arrived."""

    meta = document_meta(ALIAS, "plan_changes")

    id = IntField(primary_key=True)
    changes = IntField(default=0)
    planned = IntField()


class StatusListDocument(Document):
    """A Bitstring Status List of the certificates (services.training.certificates): its permutation
    key, a hint of its next free sequence number, and the signed list as served."""

    meta = document_meta(ALIAS, "status_lists")

    id = StringField(primary_key=True)
    key = StringField(required=True)
    next_sequence = IntField(default=0)
    revoked_count = IntField(default=0)
    signed = StringField(required=True)
    updated_at = DateTimeField(required=True)


class StatusSlotDocument(Document):
    """One taken position of a status list, ``<list>:<sequence>``. The primary key makes a sequence
    number impossible to hand out twice, on every database and across replicas."""

    meta = document_meta(ALIAS, "status_slots")

    id = StringField(primary_key=True)
    enrolment_id = StringField(required=True)
    index = IntField(required=True)
    taken_at = DateTimeField(required=True)


ALL_DOCUMENTS = (
    ProgramDocument,
    CurriculumDocument,
    HostDocument,
    PhaseDocument,
    BatchDocument,
    PlannedNeedDocument,
    EnrolmentDocument,
    PlanLeaseDocument,
    PlanChangesDocument,
    StatusListDocument,
    StatusSlotDocument,
)
