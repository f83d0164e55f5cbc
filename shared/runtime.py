"""What every service process is made of, wired once: settings, metrics registry, Kafka broker,
database, outbox relay, idempotent consumers and the FastAPI app with health and metrics.

A service's composition root builds a ServiceRuntime, subscribes its consumers, and calls create_app.
Nothing here connects at import time; everything starts in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from faststream.specification import AsyncAPI
from kafka.admin import KafkaAdminClient
from mongoengine import Document
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from shared.audit.api import audit_router, privacy_router
from shared.audit.settings import PrivacySettings
from shared.audit.subjects import DataKind, PersonalData
from shared.audit.trail import AuditTrail, install_audit
from shared.events import EventContract, EventPayload
from shared.http.auth import TokenVerifier
from shared.http.errors import install_error_handlers, unexpected_error
from shared.http.query import screen_request
from shared.logging import configure_logging, log_context
from shared.messaging.broker import build_broker
from shared.messaging.consumer import ConsumerRuntime, EventConsumer, Inbox, processed_event_document
from shared.messaging.lag import BrokerGauges
from shared.messaging.outbox import OutboxDocument, OutboxRelay
from shared.messaging.topics import Naming, ensure_topics, topics_for
from shared.persistence import connect_database, disconnect_database, ensure_indexes, ping_database
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_s: Callable[[], float]
    run: Callable[[], object]
    at_start: bool


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        produces: Sequence[EventContract[Any]],
        documents: Sequence[type[Document]],
        outbox_documents: Sequence[type[OutboxDocument]],
        personal_data: Sequence[DataKind] | None = None,
        privacy: PrivacySettings | None = None,
    ) -> None:
        """``personal_data``: the kinds of personal records the service keeps; with them the runtime answers
        data-subject requests on them (and on its audit trail), enforces their retention and serves the
        /privacy routes (``privacy``: their settings, from the environment when not given)."""
        self.settings = settings
        self.produces = list(produces)
        self.consumes: list[EventContract[Any]] = []
        self.jobs: list[PeriodicJob] = []
        self.registry = CollectorRegistry()
        self.broker = build_broker(settings, self.registry)
        self.naming = Naming(settings.kafka_namespace)
        self.inbox = Inbox(processed_event_document(settings.service_name))
        self.audit = AuditTrail.for_service(settings.service_name)
        self.documents = [*documents, self.inbox.document, self.audit.document]
        self.outbox_documents = list(outbox_documents)
        self._personal_data: PersonalData | None = None
        if personal_data is not None:
            privacy = privacy or PrivacySettings()
            self._personal_data = PersonalData(
                settings.service_name,
                list(personal_data),
                privacy,
                audit_document=self.audit.document,
                notify=lambda: self.relay.notify(),
            )
            self.produces.append(self._personal_data.contract)
            self.documents.append(self._personal_data.receipts)
            # The answer to a request is written with its receipt, and relayed like every other event.
            self.outbox_documents.append(self._personal_data.receipts)
            if privacy.retention_enabled:
                self.every(privacy.retention_interval_s, self._personal_data.retention_round, name="retention")
        self.broker_gauges = BrokerGauges(self.registry)
        self.outbox_backlog = Gauge(
            "outbox_pending_documents",
            "Documents whose outbox still holds events not yet published",
            ["service", "collection"],
            registry=self.registry,
        )
        self.lookups_indexed = Gauge(
            "database_lookups_indexed",
            "1 when the database answers the service's lookups from indexes (MongoDB; FerretDB with its "
            "lookup indexes in place and its SQL as expected), else 0; checked at start-up",
            ["service"],
            registry=self.registry,
        )
        self.dependencies_up = Gauge(
            "service_dependencies_up",
            "1 when the last measurement reached both Kafka and the database, else 0",
            ["service"],
            registry=self.registry,
        )
        self.relay = OutboxRelay(
            self.broker,
            self.outbox_documents,
            service=settings.service_name,
            naming=self.naming,
            registry=self.registry,
            poll_interval_s=settings.outbox_poll_interval_s,
            batch_size=settings.outbox_batch_size,
        )
        self.consumers = ConsumerRuntime(
            self.broker,
            self.inbox,
            service=settings.service_name,
            naming=self.naming,
            registry=self.registry,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff_s=settings.consumer_retry_backoff_s,
        )
        # Publishers declared for the AsyncAPI document; the relay publishes through the broker.
        for contract in self.produces:
            self.broker.publisher(
                self.naming(contract.topic),
                title=f"{contract.topic}:{contract.name}",
                description=contract.summary,
                schema=contract.model,
            )

    @property
    def personal_data(self) -> PersonalData:
        """What this service holds about people; its ``on_requested`` answers DataSubjectRequested."""
        if self._personal_data is None:
            raise RuntimeError(f"{self.settings.service_name} was built without personal_data")
        return self._personal_data

    def subscribe(self, consumer: EventConsumer[Any]) -> None:
        self.consumers.subscribe(consumer)
        self.consumes.append(consumer.contract)

    def every(
        self,
        interval_s: float | Callable[[], float],
        job: Callable[[], object],
        *,
        name: str,
        at_start: bool = False,
    ) -> None:
        """Run ``job`` (blocking, in a worker thread) every ``interval_s`` seconds for the life of the
        process, first after one interval unless ``at_start``; a callable interval is asked before each
        wait (a job at an hour of the day). A failed round is logged and the next runs as planned: the
        jobs are idempotent, so a later round catches up with what a failed one left."""
        interval = interval_s if callable(interval_s) else lambda: float(interval_s)
        self.jobs.append(PeriodicJob(name, interval, job, at_start))

    async def _run_periodically(self, job: PeriodicJob) -> None:
        if not job.at_start:
            await asyncio.sleep(job.interval_s())
        while True:
            try:
                await asyncio.to_thread(job.run)
            except Exception:
                log.exception("periodic job failed; the next round catches up", extra={"fields": {"job": job.name}})
            await asyncio.sleep(job.interval_s())

    def create_privacy_topic(self) -> None:
        """Before the other topics (creating those skips existing ones): the topic of this service's answers
        to data-subject requests, which may carry the person's data, keeps them only briefly."""
        data, settings = self.personal_data, self.settings
        ensure_topics(
            settings.kafka_bootstrap_servers,
            [self.naming(data.contract.topic)],
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_topic_replication_factor,
            retention_ms=data.settings.privacy_topic_retention_ms,
            client_options=settings.kafka_client_options(),
        )

    def observe_once(self, admin: KafkaAdminClient) -> None:
        """Measure what /metrics reports about the broker and the outbox (blocking; run in a thread)."""
        service = self.settings.service_name
        groups = {group: [topic] for group, topic in self.consumers.groups.items()}
        dead_letters = [self.naming(c.dead_letter_topic) for c in self.consumes]
        self.broker_gauges.refresh(admin, service, groups, dead_letters)
        for doc in self.outbox_documents:
            coll = doc._get_collection()
            self.outbox_backlog.labels(service, coll.name).set(coll.count_documents({"outbox_pending": True}))

    async def _observe(self) -> None:
        admin: KafkaAdminClient | None = None
        try:
            while True:
                try:
                    if admin is None:
                        admin = await asyncio.to_thread(
                            KafkaAdminClient,
                            bootstrap_servers=self.settings.kafka_bootstrap_servers,
                            client_id=f"{self.settings.service_name}-metrics",
                            **self.settings.kafka_client_options(),
                        )
                    await asyncio.to_thread(self.observe_once, admin)
                    self.dependencies_up.labels(self.settings.service_name).set(1)
                except Exception:
                    self.dependencies_up.labels(self.settings.service_name).set(0)
                    # A broker or database outage shows as stale gauges and failed readiness, not a crash.
                    log.warning("measuring lag and backlog failed; retrying", exc_info=True)
                    if admin is not None:
                        await asyncio.to_thread(admin.close)
                        admin = None
                await asyncio.sleep(self.settings.metrics_refresh_interval_s)
        finally:
            if admin is not None:
                admin.close()

    def asyncapi(self) -> dict[str, Any]:
        spec = AsyncAPI(
            self.broker,
            title=f"BKPSDM Medan {self.settings.service_name} service",
            version="1.0.0",
            description=f"Events the {self.settings.service_name} service publishes and consumes.",
        )
        result: dict[str, Any] = spec.to_specification().to_jsonable()
        return result

    def create_app(
        self,
        *,
        title: str,
        description: str,
        routers: Sequence[APIRouter],
        on_startup: Sequence[Callable[[], None]] = (),
        background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    ) -> FastAPI:
        """``on_startup`` runs (in a worker thread) once the database is connected; ``background``
        coroutines run for the life of the process, beside the jobs registered with ``every``."""
        settings = self.settings

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            configure_logging(settings.service_name, settings.log_level)
            connect_database(settings)
            try:
                lookups = await asyncio.to_thread(ensure_indexes, settings, self.documents)
                self.lookups_indexed.labels(settings.service_name).set(int(lookups.indexed))
                for step in on_startup:
                    await asyncio.to_thread(step)
                if self._personal_data is not None:
                    await asyncio.to_thread(self.create_privacy_topic)
                contracts: list[EventContract[EventPayload]] = [*self.produces, *self.consumes]
                await asyncio.to_thread(
                    ensure_topics,
                    settings.kafka_bootstrap_servers,
                    [self.naming(t) for t in topics_for(contracts)],
                    partitions=settings.kafka_topic_partitions,
                    replication_factor=settings.kafka_topic_replication_factor,
                    retention_ms=settings.kafka_topic_retention_ms,
                    client_options=settings.kafka_client_options(),
                )
                await self.broker.start()
            except BaseException:
                # A refused start (lookups not indexed, Kafka unreachable) leaves no connection behind: a
                # later start in the same process registers the alias again, with its own settings.
                disconnect_database(settings)
                raise
            tasks = [asyncio.create_task(job()) for job in [*background, self._observe]]
            tasks += [asyncio.create_task(self._run_periodically(job)) for job in self.jobs]
            relay = asyncio.create_task(self.relay.run()) if settings.outbox_relay_enabled else None
            log.info("service started", extra={"fields": {"port": settings.http_port}})
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with suppress(asyncio.CancelledError):
                        await task
                if relay is not None:
                    self.relay.stop()
                    try:
                        await asyncio.wait_for(relay, timeout=10)
                    except Exception:
                        log.exception("outbox relay did not stop cleanly; what it left is published at the next start")
                # Consumers finish their in-flight handlers (graceful_timeout) before offsets are
                # committed; then what is still in the outbox gets one more chance to go out.
                if settings.outbox_relay_enabled:
                    with suppress(Exception):
                        await asyncio.wait_for(self.relay.run_once(), timeout=5)
                await self.broker.stop()
                disconnect_database(settings)
                log.info("service stopped")

        docs = settings.docs_enabled
        app = FastAPI(
            title=title,
            description=description,
            version="1.0.0",
            lifespan=lifespan,
            # Public API documentation is an inventory for attackers: off in production unless enabled.
            docs_url="/docs" if docs else None,
            redoc_url="/redoc" if docs else None,
            openapi_url="/openapi.json" if docs else None,
            # Larger only where a route says so (file imports); beyond it: 413 before the body is read.
            max_body_size=settings.http_max_body_bytes,
            dependencies=[Depends(screen_request)],
        )
        if settings.cors_origins:
            app.add_middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Accept-Language", CORRELATION_HEADER],
                expose_headers=[CORRELATION_HEADER],
            )
        app.state.token_verifier = TokenVerifier(settings)
        app.state.runtime = self  # for operator commands (scripts/replay.py) that drive the same wiring
        install_error_handlers(app)
        # Inside the metrics middleware (added after it), so an audit entry carries the correlation id.
        install_audit(app, self.audit, self.registry)
        self._install_http_metrics(app)
        app.include_router(self._health_router())
        app.include_router(audit_router(self.audit))
        if self._personal_data is not None:
            app.include_router(privacy_router(self._personal_data))
        for router in routers:
            app.include_router(router)
        return app

    def _health_router(self) -> APIRouter:
        router = APIRouter(tags=["operations"])

        @router.get("/health/live", summary="The process is up")
        async def live() -> dict[str, str]:
            return {"status": "ok", "service": self.settings.service_name}

        @router.get("/health/ready", summary="The service can reach Kafka and its database")
        async def ready() -> JSONResponse:
            checks: dict[str, str] = {}
            try:
                await asyncio.wait_for(asyncio.to_thread(ping_database, self.settings), timeout=3)
                checks["database"] = "ok"
            except Exception as exc:
                checks["database"] = f"unavailable: {type(exc).__name__}"
            checks["kafka"] = "ok" if await self.broker.ping(timeout=3) else "unavailable"
            ok = all(v == "ok" for v in checks.values())
            return JSONResponse(
                {"status": "ok" if ok else "unavailable", "service": self.settings.service_name, "checks": checks},
                status_code=200 if ok else 503,
            )

        @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
        async def metrics() -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        if self.settings.docs_enabled:

            @router.get("/asyncapi.json", summary="AsyncAPI 3.0 document of this service's events")
            async def asyncapi() -> dict[str, Any]:
                return self.asyncapi()

        return router

    def _install_http_metrics(self, app: FastAPI) -> None:
        requests = Counter(
            "http_requests_total",
            "HTTP requests by route and status",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=self.registry,
        )
        service = self.settings.service_name

        @app.middleware("http")
        async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
            started = time.perf_counter()
            with log_context(correlation_id=correlation_id):
                try:
                    response = await call_next(request)
                except Exception as exc:
                    # Answered here rather than by Starlette's outer handler, so a 500 is counted and
                    # carries its correlation id like every other response.
                    response = await unexpected_error(request, exc)
            route = request.scope.get("route")
            # The route template, not the raw path, keeps label cardinality bounded.
            path = getattr(route, "path", "unmatched")
            if path != "/metrics":
                requests.labels(service, request.method, path, str(response.status_code)).inc()
                latency.labels(service, request.method, path).observe(time.perf_counter() - started)
            response.headers[CORRELATION_HEADER] = correlation_id
            return response
