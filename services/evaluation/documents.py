"""MongoDB documents of the evaluation service (database alias ``evaluation``)."""

from __future__ import annotations

from mongoengine import DateField, DateTimeField, FloatField, IntField, ListField, MapField, StringField

from shared.messaging.outbox import OutboxDocument
from shared.persistence import document_meta

ALIAS = "evaluation"


class EvaluationDocument(OutboxDocument):
    meta = document_meta(ALIAS, "evaluations", "nip", "evaluator_nip", ("status", "due_on"), "outbox_pending")

    id = StringField(primary_key=True)
    enrolment_id = StringField(required=True)
    program_code = StringField(required=True)
    program_title = StringField()
    nip = StringField(required=True)
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    competency_codes = ListField(StringField())
    level = IntField(required=True, min_value=1, max_value=4)
    questionnaire = StringField(required=True)
    questionnaire_version = IntField(required=True)
    evaluator_nip = StringField(required=True)
    status = StringField(required=True, choices=("open", "submitted"))
    due_on = DateField(required=True)
    answers = MapField(IntField())
    score = FloatField()
    outcome = StringField()
    opened_at = DateTimeField(required=True)
    submitted_at = DateTimeField()


ALL_DOCUMENTS = (EvaluationDocument,)
