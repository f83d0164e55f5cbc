"""Composition root of the evaluation service: ``uvicorn services.evaluation.main:create_app --factory``."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from services.evaluation.application.actions import RemedyActions
from services.evaluation.application.adoption import Adoption
from services.evaluation.application.evaluations import Evaluations
from services.evaluation.application.figures import KPIS, Figures
from services.evaluation.application.reminders import Reminders
from services.evaluation.documents import ALL_DOCUMENTS, AdoptionItemDocument, EvaluationDocument, RemedyActionDocument
from services.evaluation.http import build_routers
from services.evaluation.privacy import data_kinds
from services.evaluation.settings import EvaluationSettings
from shared.audit.settings import PrivacySettings
from shared.domain import clock
from shared.events import (
    ADOPTION_ITEM_CLOSED,
    ADOPTION_ITEM_OPENED,
    DATA_SUBJECT_REQUESTED,
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    PROGRAM_COMPLETED,
    REMEDY_ACTION_CLOSED,
    REMEDY_ACTION_OPENED,
)
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def create_app(settings: EvaluationSettings | None = None, privacy: PrivacySettings | None = None) -> FastAPI:
    """Settings are read from the environment unless given (tests, operator scripts)."""
    s = settings or EvaluationSettings()
    runtime = ServiceRuntime(
        s,
        produces=[
            EVALUATION_SUBMITTED,
            EVALUATION_DUE,
            EVALUATION_ESCALATED,
            REMEDY_ACTION_OPENED,
            REMEDY_ACTION_CLOSED,
            ADOPTION_ITEM_OPENED,
            ADOPTION_ITEM_CLOSED,
        ],
        documents=ALL_DOCUMENTS,
        outbox_documents=[EvaluationDocument, RemedyActionDocument, AdoptionItemDocument],
        personal_data=data_kinds(),
        privacy=privacy,
    )
    # Personal data (UU 27/2022): every service answers each data-subject request on its own records.
    runtime.subscribe(EventConsumer(DATA_SUBJECT_REQUESTED, "privacy-requests", runtime.personal_data.on_requested))
    notify = runtime.relay.notify
    evaluations = Evaluations(thresholds=s.thresholds(), schedule=s.schedule(), notify=notify)
    reminders = Reminders(notify=notify)
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "open-evaluations", evaluations.on_program_completed))
    remedies = RemedyActions(due_days=s.action_due_days, notify=notify)
    runtime.subscribe(EventConsumer(EVALUATION_SUBMITTED, "open-actions", remedies.on_evaluation_submitted))
    adoption = Adoption(change_project_programmes=s.change_project_programmes, notify=notify)
    if s.reminders_enabled:
        # After a first interval, so a starting process does not race its own start-up (or a test's data).
        runtime.every(s.reminders_interval_s, lambda: reminders.send_reminders(clock.today()), name="reminders")
    figures = Figures(bars=s.bars())
    runtime.kpis(KPIS, figures.kpis)
    return runtime.create_app(
        title="BKPSDM Medan — Evaluation",
        description="Kirkpatrick levels 1-4 opened on completion, remedy actions for barriers training does not "
        "remove, monitoring, reminders, analytics and reports.",
        routers=build_routers(evaluations, figures, reminders, remedies, adoption),
    )
