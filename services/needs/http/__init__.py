"""HTTP API of the needs service: translate requests into use cases, documents into responses."""

from fastapi import APIRouter

from services.needs.application.need_counts import NeedCounts
from services.needs.application.needs import NeedsService
from services.needs.application.privacy import PrivacyRequests
from services.needs.application.skm import PublicSatisfaction
from services.needs.bulk import Jobs
from services.needs.http import jobs, master_data, needs, privacy, reports, requests, skm
from services.needs.imports import ImportLimits


def build_router(
    service: NeedsService,
    counts: NeedCounts,
    job_runner: Jobs,
    privacy_requests: PrivacyRequests,
    *,
    max_import_bytes: int,
    import_limits: ImportLimits,
    skm_public_per_minute: int,
    assessments_bulk_max: int,
) -> APIRouter:
    router = APIRouter()
    router.include_router(master_data.build_router(service.reference))
    router.include_router(needs.build_router(service, counts, bulk_max=assessments_bulk_max))
    router.include_router(skm.build_router(PublicSatisfaction(service), per_minute=skm_public_per_minute))
    router.include_router(requests.build_router(service))
    router.include_router(reports.build_router(service, counts))
    router.include_router(
        jobs.build_router(service, job_runner, max_import_bytes=max_import_bytes, limits=import_limits)
    )
    router.include_router(privacy.requests_router(privacy_requests))
    return router
