"""Bulk imports and whole-population analyses, run as background jobs with progress."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request

from services.needs.application.needs import NeedsService
from services.needs.bulk import Jobs, analyse_all, import_file
from services.needs.documents import (
    JobDocument,
)
from services.needs.http.schemas import (
    AnalysisIn,
    JobOut,
)
from services.needs.imports import ImportLimits
from shared.http.access import Admin
from shared.persistence import get_or_not_found


def _job(job: JobDocument) -> JobOut:
    return JobOut.of(job, status_url=f"/jobs/{job.id}")


def build_router(service: NeedsService, jobs: Jobs, *, max_import_bytes: int, limits: ImportLimits) -> APIRouter:
    router = APIRouter()

    @router.post(
        "/imports/{kind}",
        tags=["imports"],
        status_code=202,
        summary="Import units, positions, employees or assessments from CSV or XLSX (a SIASN export)",
        max_body_size=max_import_bytes,
    )
    async def post_import(
        kind: Literal["units", "positions", "employees", "assessments"], request: Request, who: Admin
    ) -> JobOut:
        content_type = request.headers.get("content-type", "text/csv")
        content = await request.body()  # at most max_import_bytes: the route's body limit answers 413 beyond
        job = await asyncio.to_thread(
            jobs.start,
            f"import:{kind}",
            who.nip,
            lambda progress: import_file(kind, content, content_type, progress, limits, service.reference),
        )
        return JobOut.of(job, status_url=f"/jobs/{job.id}")

    @router.post(
        "/analysis/competency-gaps",
        tags=["needs"],
        status_code=202,
        summary="Analyse every employee's competency gaps for a year (a background job)",
    )
    def post_analysis(body: AnalysisIn, who: Admin) -> JobOut:
        return _job(jobs.start("analysis", who.nip, lambda progress: analyse_all(service, body.fiscal_year, progress)))

    @router.get("/jobs/{job_id}", tags=["imports"], summary="Progress and report of an import or analysis")
    def get_job(job_id: str, _: Admin) -> JobOut:
        return _job(get_or_not_found(JobDocument, job_id, "Pekerjaan", "Job"))

    return router
