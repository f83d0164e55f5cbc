"""HTTP API of the training service: translate requests into use cases, documents into responses."""

from fastapi import APIRouter

from services.training.certificates.register import Register
from services.training.http import catalogue, credentials, enrolments, hosts, plan, reports
from services.training.plan.commands import PlanCommands
from services.training.seats.attendance import Attendance
from services.training.seats.enrolments import Enrolments


def build_router(
    plan_commands: PlanCommands, seats: Enrolments, attendance: Attendance, certificates: Register
) -> APIRouter:
    router = APIRouter()
    router.include_router(catalogue.build_router(seats.programmes))
    router.include_router(hosts.build_router())
    router.include_router(enrolments.build_router(seats))
    router.include_router(plan.build_router(plan_commands, attendance))
    router.include_router(reports.build_router())
    router.include_router(credentials.build_router(certificates))
    return router
