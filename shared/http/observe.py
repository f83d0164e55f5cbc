"""The outermost layer of every service's HTTP app: correlation id, readiness gate, metrics, headers.

A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs
the app in a task group and passes every answer through a memory stream, which on these 2 cores took
a bare hello-world from 865 to 600 requests/s for two layers (bench/hot_paths.py). Here the answer is
passed on as it is sent, with the headers added to its first message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.browser import add_security_headers
from shared.http.errors import unexpected_error
from shared.logging import correlation_token, log_context

CORRELATION_HEADER = "X-Correlation-ID"


class ObserveRequests:
    """Binds the caller's correlation id (or a new one) for the logs and the answer's header, answers
    with ``not_ready`` until ``ready()`` except on the ``always_open`` paths, turns an unhandled error
    into a counted 500 that carries the id, and counts and times every request by route template."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        registry: CollectorRegistry,
        ready: Callable[[], bool],
        not_ready: Callable[[Request], Response],
        always_open: tuple[str, ...],
    ) -> None:
        self.app = app
        self.service = service
        self.ready = ready
        self.not_ready = not_ready
        self.always_open = always_open
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route and status",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = correlation_token(Headers(scope=scope).get(CORRELATION_HEADER))
        started = time.perf_counter()
        status = 500
        answered = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                answered = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[CORRELATION_HEADER] = correlation_id
                add_security_headers(headers)
            await send(message)

        with log_context(correlation_id=correlation_id):
            try:
                if self.ready() or scope["path"].startswith(self.always_open):
                    await self.app(scope, receive, send_with_headers)
                else:
                    await self.not_ready(Request(scope))(scope, receive, send_with_headers)
            except Exception as exc:
                if answered:  # the status line is gone: nothing left to answer with
                    raise
                # Answered here rather than by Starlette's outer handler, so a 500 is counted and
                # carries its correlation id like every other response.
                await (await unexpected_error(Request(scope), exc))(scope, receive, send_with_headers)
        # The route template, not the raw path, keeps label cardinality bounded (the router put the
        # matched route into this same scope).
        route = getattr(scope.get("route"), "path", "unmatched")
        if route != "/metrics":
            method = scope["method"]
            self.requests.labels(self.service, method, route, str(status)).inc()
            self.latency.labels(self.service, method, route).observe(time.perf_counter() - started)
