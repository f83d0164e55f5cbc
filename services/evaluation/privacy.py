"""Personal data in the evaluation service: what erasure does to evaluations, and retention."""

from __future__ import annotations

from services.evaluation.documents import AdoptionItemDocument, EvaluationDocument, OwnedTask, RemedyActionDocument
from services.evaluation.domain import EvaluationStatus
from shared.audit.subjects import DataKind, OnErasure

YEAR = 365


def data_kinds() -> list[DataKind]:
    return [
        DataKind(
            "evaluations_submitted",
            EvaluationDocument,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            "Programme effectiveness figures and the quarterly reports rest on the answers: kept without anything "
            "that points to the person; free-text comments go.",
            only={"status": EvaluationStatus.SUBMITTED.value},
            rectifies={"unit_code": "unit_code", "supervisor_nip": "supervisor_nip"},
            drop_on_pseudonymise=("answers.comments",),
            retention_field="submitted_at",
            retention_days=5 * YEAR,
            on_retention=OnErasure.PSEUDONYMISE,
        ),
        DataKind(
            "evaluations_open",
            EvaluationDocument,
            ("nip",),
            OnErasure.DELETE,
            "An evaluation nobody answered yet has no purpose once the person's data is erased; deleting it also "
            "stops its reminders.",
            only={"status": EvaluationStatus.OPEN.value},
            rectifies={"unit_code": "unit_code", "supervisor_nip": "supervisor_nip"},
            retention_field="opened_at",
            retention_days=2 * YEAR,
        ),
        DataKind(
            "evaluations_as_evaluator",
            EvaluationDocument,
            ("evaluator_nip", "supervisor_nip", "submitted_by"),
            OnErasure.PSEUDONYMISE,
            "Evaluations of other people name the person as evaluator or supervisor: they are the participant's "
            "records; only the person's NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        *_owned_tasks(
            "remedy_actions",
            RemedyActionDocument,
            "The monitoring and the quarterly report count the actions per unit and barrier",
        ),
        *_owned_tasks(
            "adoption_items",
            AdoptionItemDocument,
            "Practices adopted and change-project steps count in the level-4 results of a programme",
        ),
    ]


def _owned_tasks(name: str, document: type[OwnedTask], counted: str) -> list[DataKind]:
    """A remedy action or adoption item: the participant's record, and the owner named in it."""
    return [
        DataKind(
            name,
            document,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            f"{counted}: kept without anything that points to the person; the free-text note goes.",
            rectifies={"unit_code": "unit_code"},
            drop_on_pseudonymise=("note",),
            retention_field="opened_at",
            retention_days=5 * YEAR,
            on_retention=OnErasure.PSEUDONYMISE,
        ),
        DataKind(
            f"{name}_as_owner",
            document,
            ("owner_nip", "closed_by"),
            OnErasure.PSEUDONYMISE,
            "Those of other people name the person as their owner or as who closed them: they are the "
            "participant's records; only the person's NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
    ]
