"""The planner plans by itself: a little after needs arrive or the plan changes (debounced, so a burst of
needs is planned in one run), each requested year in turn. Requests come from consumer and request
threads; the loop runs on the event loop, which they wake thread-safely."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PlanScheduler:
    def __init__(self, *, debounce_s: float, retry_s: float) -> None:
        self.debounce_s = debounce_s
        self.retry_s = retry_s
        self.requested: set[int] = set()
        self.wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting = threading.Lock()

    def request(self, fiscal_year: int) -> None:
        """Ask for a run of this year soon. Safe from any thread."""
        with self._starting:
            if self._loop is None:  # the loop has not started (or is disabled): noted for when it starts
                self.requested.add(fiscal_year)
                return
        self._loop.call_soon_threadsafe(self._note_request, fiscal_year)

    def _note_request(self, fiscal_year: int) -> None:
        self.requested.add(fiscal_year)
        self.wake.set()

    async def run(self, plan: Callable[[int], object]) -> None:
        """Background loop: ``plan`` each requested year (blocking, in a worker thread), one at a time; a
        failed run is requested again after ``retry_s``."""
        with self._starting:
            self._loop = asyncio.get_running_loop()
            if self.requested:
                self.wake.set()
        while True:
            await self.wake.wait()
            await asyncio.sleep(self.debounce_s)  # let a burst of needs arrive, then plan them in one run
            self.wake.clear()
            years, self.requested = sorted(self.requested), set()
            for year in years:
                try:
                    await asyncio.to_thread(plan, year)
                except Exception:
                    log.exception("planning run failed; it is retried", extra={"fields": {"fiscal_year": year}})
                    await asyncio.sleep(self.retry_s)
                    self.request(year)
