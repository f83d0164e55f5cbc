"""HTTP API of the training service: translate requests into use cases, documents into responses."""

from fastapi import APIRouter

from services.training.certificates.register import Register
from services.training.http import catalogue, credentials, enrolments, hosts, plan, reports
from services.training.plan.commands import PlanCommands
from services.training.seats.attendance import Attendance
from services.training.seats.enrolments import Enrolments


def build_routers(
    plan_commands: PlanCommands, seats: Enrolments, attendance: Attendance, certificates: Register
) -> list[APIRouter]:
    # Each included by the app itself: FastAPI 0.165 matches an included router level by level, and a
    # router of routers cost 60-100 us a request more than its routers included one level down.
    return [
        catalogue.build_router(seats.programmes),
        hosts.build_router(),
        enrolments.build_router(seats),
        plan.build_router(plan_commands, attendance),
        reports.build_router(),
        credentials.build_router(certificates),
    ]
