"""MongoDB documents of the evaluation service (database alias ``evaluation``)."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    FloatField,
    IntField,
    ListField,
    MapField,
    StringField,
)

from services.evaluation.domain import EvaluationStatus
from shared.domain.vocabulary import ActionStatus, EvaluatorRole
from shared.messaging.outbox import OutboxDocument
from shared.persistence import document_meta

ALIAS = "evaluation"


class IndicatorEntry(EmbeddedDocument):
    """A unit's own level-4 indicator (a list, not a map: indicator codes are the unit's choice)."""

    code = StringField(required=True)
    label = StringField()
    before = FloatField(required=True)
    after = FloatField(required=True)
    higher_is_better = BooleanField(required=True)


class HistoryEntry(EmbeddedDocument):
    """Who changed what about an evaluation besides answering it (append-only)."""

    at = DateTimeField(required=True)
    by = StringField(required=True)
    action = StringField(required=True)  # evaluator_changed
    from_nip = StringField()
    to_nip = StringField()
    reason = StringField(required=True)


class EvaluationDocument(OutboxDocument):
    meta = document_meta(
        ALIAS,
        "evaluations",
        "nip",
        "evaluator_nip",
        "unit_code",
        "program_code",
        "curriculum_institution",
        ("status", "due_on"),
        "outbox_pending",
    )

    id = StringField(primary_key=True)
    enrolment_id = StringField(required=True)
    need_id = StringField()
    program_code = StringField(required=True)
    program_title = StringField()
    form = StringField()
    batch_code = StringField()
    host_code = StringField()  # benchmarking visits
    nip = StringField(required=True)
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    competency_codes = ListField(StringField())
    # The partner curriculum (and version) the programme was taught from, and the institution owning it.
    curriculum_code = StringField()
    curriculum_version = IntField()
    curriculum_institution = StringField()
    completed_on = DateField(required=True)
    level = IntField(required=True, min_value=1, max_value=4)
    questionnaire = StringField(required=True)
    questionnaire_version = IntField(required=True)
    evaluator_role = StringField(required=True, choices=[r.value for r in EvaluatorRole])
    evaluator_nip = StringField()
    status = StringField(required=True, choices=[s.value for s in EvaluationStatus])
    opens_on = DateField(required=True)
    due_on = DateField(required=True)
    answers = DictField()
    indicators = EmbeddedDocumentListField(IndicatorEntry)
    score = FloatField()
    outcome = StringField()
    measures = MapField(FloatField())
    struggling_to_apply = BooleanField(default=False)
    barriers = ListField(StringField())
    escalated = BooleanField(default=False)
    submitted_by = StringField()
    reminders_sent = ListField(StringField())
    opened_at = DateTimeField(required=True)
    submitted_at = DateTimeField()
    history = EmbeddedDocumentListField(HistoryEntry)


class OwnedTask(OutboxDocument):
    """Something the participant's supervisor or unit head owes after training, open until its owner
    closes it (actions.py): a remedy action or an adoption item."""

    meta = {"abstract": True}

    id = StringField(primary_key=True)
    program_code = StringField(required=True)
    nip = StringField(required=True)  # the participant
    unit_code = StringField(required=True)
    owner_role = StringField(required=True, choices=[r.value for r in EvaluatorRole])
    owner_nip = StringField()
    status = StringField(required=True, choices=[s.value for s in ActionStatus])
    due_on = DateField(required=True)
    opened_at = DateTimeField(required=True)
    note = StringField()  # the closing note (done) or the reason (dropped)
    closed_by = StringField()
    closed_at = DateTimeField()


_TASK_INDEXES = ("nip", "owner_nip", ("unit_code", "status"), ("status", "due_on"), "outbox_pending")


class RemedyActionDocument(OwnedTask):
    """An action opened by a struggling level 3 for a barrier training does not remove."""

    meta = document_meta(ALIAS, "remedy_actions", *_TASK_INDEXES)

    evaluation_id = StringField(required=True)
    barrier = StringField(required=True)


class AdoptionItemDocument(OwnedTask):
    """A practice seen on a benchmarking visit for the home unit to adopt, or a step of a leadership
    programme's change project (aksi perubahan): its milestones and the post-training evaluation (EPP)."""

    meta = document_meta(ALIAS, "adoption_items", "enrolment_id", *_TASK_INDEXES)

    enrolment_id = StringField(required=True)
    kind = StringField(required=True)  # practice, milestone, epp
    host_code = StringField()  # practices: where it was seen
    title = StringField(required=True)
    plan = StringField()  # practices: the home unit's plan to adopt it


ALL_DOCUMENTS = (EvaluationDocument, RemedyActionDocument, AdoptionItemDocument)
