"""Composition root of the training service: ``uvicorn services.training.main:create_app --factory``."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.training.catalogue.programmes import Programmes
from services.training.certificates.issuing import Issuer
from services.training.certificates.register import Register
from services.training.documents import ALL_DOCUMENTS, EnrolmentDocument
from services.training.http import build_routers
from services.training.plan import figures, planner
from services.training.plan.commands import PlanCommands
from services.training.plan.consumer import PlannedNeeds
from services.training.plan.lease import PlanLease
from services.training.plan.run import PlanRunner
from services.training.plan.scheduler import PlanScheduler
from services.training.privacy import data_kinds
from services.training.seats.attendance import Attendance
from services.training.seats.enrolments import Enrolments
from services.training.settings import TrainingSettings
from shared.audit.settings import PrivacySettings
from shared.credentials import CredentialService, CredentialSettings
from shared.events import (
    CERTIFICATE_REVOKED,
    DATA_SUBJECT_REQUESTED,
    ENROLMENT_CHANGED,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    PROGRAM_COMPLETED,
)
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime


def create_app(settings: TrainingSettings | None = None, privacy: PrivacySettings | None = None) -> FastAPI:
    """Settings are read from the environment unless given (tests, operator scripts)."""
    settings = settings or TrainingSettings()
    # The certificate signing key (CREDENTIALS_*): production stops here without one of its own.
    credentials = CredentialService(CredentialSettings(environment=settings.environment))
    runtime = ServiceRuntime(
        settings,
        produces=[ENROLMENT_CHANGED, PROGRAM_COMPLETED, CERTIFICATE_REVOKED],
        documents=ALL_DOCUMENTS,
        outbox_documents=[EnrolmentDocument],
        personal_data=data_kinds(),
        privacy=privacy,
    )
    # Personal data (UU 27/2022): every service answers each data-subject request on its own records.
    runtime.subscribe(EventConsumer(DATA_SUBJECT_REQUESTED, "privacy-requests", runtime.personal_data.on_requested))
    notify = runtime.relay.notify
    scheduler = PlanScheduler(debounce_s=settings.planner_debounce_s, retry_s=settings.planner_retry_s)
    programmes = Programmes(runtime.reference)
    enrolments = Enrolments(notify=notify, replan=scheduler.request, issuer=Issuer(credentials), programmes=programmes)
    runner = PlanRunner(
        policy=planner.Policy(unit_share=settings.planner_unit_share, pppk_jp_cap=settings.planner_pppk_jp_cap),
        enrolments=enrolments,
        notify=notify,
        lease=PlanLease(lease_s=settings.planner_lease_s),
        as_of=settings.plan_date,
    )
    plan = PlanCommands(runner=runner, request=scheduler.request, enrolments=enrolments)
    needs = PlannedNeeds(request=scheduler.request)
    runtime.subscribe(EventConsumer(NEED_IDENTIFIED, "place-needs", needs.on_need_identified))
    runtime.subscribe(EventConsumer(NEED_RESOLVED, "drop-resolved-needs", needs.on_need_resolved))
    runtime.kpis(figures.KPIS, figures.kpis)
    certificates = Register(credentials, notify=notify)
    plan_requested = partial(scheduler.run, lambda year: runner.run(year, "planner"))
    return runtime.create_app(
        title="BKPSDM Medan — Training",
        description="Programme catalogue, partner curricula, the phased implementation plan (phases, batches, "
        "placement of needs), seats, attendance and completion, and the Open Badges 3.0 certificates issued with it.",
        routers=build_routers(plan, enrolments, Attendance(notify=notify, programmes=programmes), certificates),
        on_startup=[certificates.repair],
        background=[plan_requested] if settings.planner_enabled else [],
    )
