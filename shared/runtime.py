"""What every service process is made of, wired once: settings, metrics registry, Kafka broker,
database, outbox relay, idempotent consumers and the FastAPI app with health and metrics.

A service's composition root builds a ServiceRuntime, subscribes its consumers, and calls create_app.
Nothing here connects at import time; everything starts in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaConnectionError
from aiokafka.errors import KafkaTimeoutError as BrokerTimeout
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from faststream.specification import AsyncAPI
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaTimeoutError
from mongoengine import Document
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from shared.audit.api import audit_router, privacy_router
from shared.audit.settings import PrivacySettings
from shared.audit.subjects import DataKind, PersonalData
from shared.audit.trail import OPERATIONS_PATHS, AuditRequests, AuditTrail
from shared.cache import ReferenceCache
from shared.events import EventContract, EventPayload
from shared.http.auth import TokenVerifier
from shared.http.browser import install_docs
from shared.http.error_docs import document_errors
from shared.http.errors import error_body, install_error_handlers
from shared.http.observe import CORRELATION_HEADER, ObserveRequests
from shared.http.query import screen_request
from shared.kpi import Kpi, KpiGauges, Values
from shared.logging import configure_logging
from shared.messaging.broker import build_broker
from shared.messaging.consumer import ConsumerRuntime, EventConsumer
from shared.messaging.dead_letters import outbox_dead_letter_document
from shared.messaging.inbox import Inbox, processed_event_document
from shared.messaging.lag import BrokerGauges
from shared.messaging.outbox import OutboxDocument
from shared.messaging.relay import OutboxRelay
from shared.messaging.topics import Naming, ensure_topics, topics_for
from shared.pacing import Paced
from shared.persistence import (
    DATABASE_UNAVAILABLE,
    DatabaseCommands,
    close_async_reads,
    connect_database,
    disconnect_database,
    ensure_indexes,
    open_async_reads,
    ping_database,
)
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# What a database or broker that is not there yet looks like at start-up.
UNREACHABLE = (
    *DATABASE_UNAVAILABLE,
    KafkaConnectionError,
    BrokerTimeout,
    KafkaTimeoutError,
    OSError,
)


def starting(request: Request) -> JSONResponse:
    """The answer to a call while the service still waits for its database or Kafka."""
    body = error_body(
        request,
        "starting",
        "Layanan sedang dimulai dan menunggu basis data serta Kafka; coba lagi sebentar lagi.",
        "The service is starting and waiting for its database and Kafka; try again shortly.",
    )
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


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
        self.inbox = Inbox(processed_event_document(settings.service_name), largest_batch=settings.consumer_batch_max)
        self.audit = AuditTrail.for_service(settings.service_name)
        self.documents = [*documents, self.inbox.document, self.audit.document]
        self.outbox_documents = list(outbox_documents)
        # Where the relay keeps an event no topic would take, in the service's own database.
        self.outbox_dead_letters = outbox_dead_letter_document(settings.service_name)
        self._personal_data: PersonalData | None = None
        if personal_data is not None:
            privacy = privacy or PrivacySettings()
            self._personal_data = PersonalData(
                settings.service_name,
                list(personal_data),
                privacy,
                trail=self.audit,
                dead_letter_document=self.outbox_dead_letters,
                notify=lambda: self.relay.notify(),
            )
            self.produces.append(self._personal_data.contract)
            self.documents += [self._personal_data.receipts, self._personal_data.exports.document]
            # The answer to a request is written with its receipt, and relayed like every other event.
            self.outbox_documents.append(self._personal_data.receipts)
            if privacy.retention_enabled:
                self.every(privacy.retention_interval_s, self._personal_data.retention_round, name="retention")
        # True once the database and Kafka answered and the consumers and relay run (see _start); until
        # then, why the last try failed (shown by /health/ready).
        self.started = False
        self.start_problem: str | None = None
        self.broker_gauges = BrokerGauges(self.registry)
        self.database_commands = DatabaseCommands(settings.service_name, self.registry)
        self.reference = ReferenceCache(
            ttl_s=settings.reference_cache_ttl_s,
            max_entries=settings.reference_cache_max_entries,
            service=settings.service_name,
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "outbox_pending_documents",
            "Documents whose outbox still holds events not yet published, counted up to "
            "OUTBOX_BACKLOG_COUNT_MAX (at that value: at least that many)",
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
            idle_poll_max_s=settings.outbox_idle_poll_max_s,
            batch_size=settings.outbox_batch_size,
            linger_s=settings.outbox_linger_ms / 1000,
            dead_letters=self.outbox_dead_letters,
        )
        self.consumers = ConsumerRuntime(
            self.broker,
            self.inbox,
            service=settings.service_name,
            naming=self.naming,
            registry=self.registry,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff_s=settings.consumer_retry_backoff_s,
            batch_max=settings.consumer_batch_max,
            batch_timeout_ms=settings.consumer_batch_timeout_ms,
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

    def kpis(self, kpis: Sequence[Kpi], snapshot: Callable[[], Mapping[str, Values]]) -> KpiGauges:
        """Export ``kpis`` on /metrics, recomputed by ``snapshot`` (blocking, reads the database) every
        KPI_REFRESH_INTERVAL_S from start-up on, or less often when a recomputation takes more than
        KPI_REFRESH_MAX_SHARE of that (``Paced``)."""
        settings = self.settings
        gauges = KpiGauges(self.registry, kpis, max_groups=settings.kpi_max_groups, service=settings.service_name)
        paced = Paced(
            lambda: gauges.publish(snapshot()),
            interval_s=settings.kpi_refresh_interval_s,
            max_share=settings.kpi_refresh_max_share,
            what="KPI refresh",
        )
        self.every(paced.wait_s, paced.run, name="kpis", at_start=True)
        return gauges

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
            pending = coll.count_documents({"outbox_pending": True}, limit=self.settings.outbox_backlog_count_max)
            self.outbox_backlog.labels(service, coll.name).set(pending)

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
        """``on_startup`` steps run (in a worker thread, idempotent: they may run again after an outage
        cut them short) before the broker starts; ``background`` coroutines run from then on, beside the
        jobs registered with ``every``."""
        settings = self.settings

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            configure_logging(settings.service_name, settings.log_level)
            # Both clients lazy: nothing is reached until the first operation.
            connect_database(settings, [self.database_commands])
            open_async_reads(settings, [self.database_commands])
            self.started, self.start_problem = False, None
            tasks: list[asyncio.Task[None]] = []
            # The process answers (live, not ready) at once; its work starts once its dependencies do.
            starter = asyncio.create_task(self._start(on_startup, [*background, self._observe], tasks))
            log.info("service listening; starting", extra={"fields": {"port": settings.http_port}})
            try:
                yield
            finally:
                starter.cancel()
                with suppress(asyncio.CancelledError):
                    await starter
                await self._stop(tasks)
                disconnect_database(settings)
                await close_async_reads(settings)
                log.info("service stopped")

        docs = settings.docs_enabled
        app = FastAPI(
            title=title,
            description=description,
            version="1.0.0",
            lifespan=lifespan,
            # Public API documentation is an inventory for attackers: off in production unless enabled.
            # /docs and /redoc are ours (shared.http.browser): their files come from this process.
            docs_url=None,
            redoc_url=None,
            swagger_ui_oauth2_redirect_url=None,
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
        if docs:
            install_docs(app, "/openapi.json")
        # Inside the metrics middleware (added after it), so an audit entry carries the correlation id.
        app.add_middleware(AuditRequests, trail=self.audit, registry=self.registry)
        self._install_http_metrics(app)
        app.include_router(self._health_router())
        app.include_router(audit_router(self.audit))
        if self._personal_data is not None:
            app.include_router(privacy_router(self._personal_data))
        for router in routers:
            app.include_router(router)
        document_errors(app)
        return app

    async def _start(
        self,
        on_startup: Sequence[Callable[[], None]],
        background: Sequence[Callable[[], Coroutine[Any, Any, None]]],
        tasks: list[asyncio.Task[None]],
    ) -> None:
        """Indexes, start-up steps, topics and the broker (its consumers), tried again with a doubling
        wait until the database and Kafka both answer; then the background jobs and the relay. Every
        step is idempotent, so a try cut short by an outage is simply repeated."""
        settings = self.settings
        contracts: list[EventContract[EventPayload]] = [*self.produces, *self.consumes]
        wait = min(0.5, settings.startup_retry_max_s)
        while True:
            try:
                lookups = await asyncio.to_thread(ensure_indexes, settings, self.documents)
                self.lookups_indexed.labels(settings.service_name).set(int(lookups.indexed))
                for step in on_startup:
                    await asyncio.to_thread(step)
                if self._personal_data is not None:
                    await asyncio.to_thread(self.create_privacy_topic)
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
                break
            except Exception as exc:
                self.start_problem = f"{type(exc).__name__}: {exc}"[:500]
                fields = {"error": self.start_problem, "retry_in_s": wait}
                if isinstance(exc, UNREACHABLE):
                    log.warning("dependencies not reachable yet; retrying", extra={"fields": fields})
                else:
                    # It answered but refused (an index kind the database lacks, a missing permission,
                    # lookups that cannot be indexed where FERRETDB_LOOKUP_INDEXES_REQUIRED holds): no
                    # wait will fix that, so it is logged as the failure it is, with its traceback, and
                    # the service never serves (not ready, 503 'starting') until it is fixed.
                    log.error("start-up failed; retrying", exc_info=exc, extra={"fields": fields})
                with suppress(Exception):
                    await self.broker.stop()  # a half-started broker starts afresh
                await asyncio.sleep(wait)
                wait = min(wait * 2, settings.startup_retry_max_s)
        tasks.extend(asyncio.create_task(job()) for job in background)
        tasks.extend(asyncio.create_task(self._run_periodically(job)) for job in self.jobs)
        if settings.outbox_relay_enabled:
            tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        self.started = True
        log.info("service started")

    async def _stop(self, tasks: list[asyncio.Task[None]]) -> None:
        relay = next((t for t in tasks if t.get_name() == "outbox-relay"), None)
        for task in tasks:
            if task is not relay:
                task.cancel()
        for task in tasks:
            if task is not relay:
                with suppress(asyncio.CancelledError):
                    await task
        if relay is not None:
            self.relay.stop()
            try:
                await asyncio.wait_for(relay, timeout=10)
            except Exception:
                log.exception("outbox relay did not stop cleanly; what it left is published at the next start")
        if not self.started:
            return
        # Consumers finish their in-flight handlers (graceful_timeout) before offsets are committed;
        # then what is still in the outbox gets one more chance to go out.
        if self.settings.outbox_relay_enabled:
            with suppress(Exception):
                await asyncio.wait_for(self.relay.run_once(), timeout=5)
        await self.broker.stop()
        self.started = False

    def _health_router(self) -> APIRouter:
        router = APIRouter(tags=["operations"])

        @router.get("/health/live", summary="The process is up")
        async def live() -> dict[str, str]:
            return {"status": "ok", "service": self.settings.service_name}

        @router.get(
            "/health/ready",
            summary="The service can reach Kafka and its database",
            responses={503: {"description": "Not ready: its checks say what is not there yet"}},
        )
        async def ready() -> JSONResponse:
            waiting = f"not yet: {self.start_problem}" if self.start_problem else "waiting for the database and Kafka"
            checks: dict[str, str] = {"started": "ok" if self.started else waiting}
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
        app.add_middleware(
            ObserveRequests,
            service=self.settings.service_name,
            registry=self.registry,
            ready=lambda: self.started,
            not_ready=starting,
            always_open=OPERATIONS_PATHS,
        )
