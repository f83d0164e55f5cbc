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
from shared.domain.vocabulary import EvaluatorRole
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


ALL_DOCUMENTS = (EvaluationDocument,)
