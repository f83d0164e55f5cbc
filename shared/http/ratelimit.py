"""A per-client rate limit for the routes anyone may call without signing in (a citizen's survey).

A sliding window per client address, in this process's memory: each replica limits on its own, which
bounds abuse per replica without a shared store. The table of clients is bounded too, so a flood of
addresses cannot grow memory without end (the oldest are forgotten first).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Request

from shared.http.errors import ApiError


class RateLimit:
    def __init__(
        self, per_minute: int, *, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Count one request of ``client``; past the limit, 429 with the seconds to wait."""
        now = self.clock()
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and times[0] <= now - 60:
                times.popleft()
            if len(times) >= self.per_minute:
                self._seen[client] = times
                wait = math.ceil(times[0] + 60 - now)
                raise ApiError(
                    429,
                    "rate_limited",
                    f"Terlalu banyak permintaan; coba lagi dalam {wait} detik.",
                    f"Too many requests; try again in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )
            times.append(now)
            self._seen[client] = times
            while len(self._seen) > self.max_clients:
                self._seen.popitem(last=False)

    def __call__(self, request: Request) -> None:
        """As a route dependency: the client is the connecting address (behind a reverse proxy, run
        uvicorn with ``--proxy-headers`` and ``--forwarded-allow-ips`` so this is the citizen's)."""
        self.check(request.client.host if request.client else "unknown")
