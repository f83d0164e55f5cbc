"""The console's HTTP edge: pages, forms and health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http import (
    batches,
    bkpsdm,
    curricula,
    health,
    imports,
    me,
    privacy,
    reports,
    requests,
    signin,
    skm,
    staff,
    webhooks,
)
from services.console.http.web import redirect, session_of


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/")
    async def home(request: Request) -> Response:
        person = session_of(request).person
        return redirect(request, domain.home_of(person) if person else "/login")

    for module in (
        health,
        signin,
        me,
        staff,
        bkpsdm,
        batches,
        curricula,
        reports,
        requests,
        skm,
        imports,
        webhooks,
        privacy,
    ):
        router.include_router(module.build_router())
    return router
