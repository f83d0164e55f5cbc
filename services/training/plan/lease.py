"""One planning run at a time per fiscal year, across replicas: whoever commits the lease first (its
version guard) plans; another replica is told the year is being planned, and asks again later.

The lease is short (``PLANNER_LEASE_S``) and a heartbeat renews it while a run works, so a long run keeps
it while a holder that died (SIGKILL, a lost host) stops planning for at most one lease: nobody renews
it, it runs out, and the next run takes it. A run that ends hands it back at once."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.training.documents import PlanLeaseDocument
from shared.domain.errors import ConcurrentUpdate, Conflict
from shared.messaging.outbox import commit, retrying

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class PlanRunning(Conflict):
    def __init__(self, fiscal_year: int) -> None:
        super().__init__(
            "plan_running",
            f"Perencanaan tahun {fiscal_year} sedang berjalan; coba lagi sebentar lagi.",
            f"Planning of {fiscal_year} is running; try again shortly.",
        )


@dataclass(frozen=True)
class Terms:
    """The lease's rules, without storage: who may take it, and when a holder renews it."""

    lease_s: float

    @property
    def renew_every_s(self) -> float:
        # A third of the lease: two heartbeats may be late (a slow database) before the lease runs out.
        return self.lease_s / 3

    def free_for(self, me: str, holder: str | None, until: datetime | None, now: datetime) -> bool:
        """Free when nobody holds it, we do, or the holder stopped renewing it before ``until``."""
        return not holder or holder == me or until is None or until <= now

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.lease_s)


def utc_now() -> datetime:
    return datetime.now(UTC)


class PlanLease:
    def __init__(self, *, lease_s: float = 20.0, clock: Clock = utc_now) -> None:
        self.terms = Terms(lease_s)
        self.clock = clock
        self.holder = uuid.uuid4().hex  # this process

    def acquire(self, fiscal_year: int) -> Holding:
        """Take the year for a new run; the holding names it and the run that took the year before."""
        now = self.clock()
        lease = PlanLeaseDocument.objects(id=str(fiscal_year)).first() or PlanLeaseDocument(id=str(fiscal_year))
        until = lease.until.replace(tzinfo=UTC) if lease.until else None
        if not self.terms.free_for(self.holder, lease.holder, until, now):
            raise PlanRunning(fiscal_year)
        holding = Holding(run=uuid.uuid4().hex, previous_run=lease.run)
        lease.holder, lease.until, lease.run = self.holder, self.terms.until(now), holding.run
        try:
            commit(lease)  # version guard: of two replicas taking the lease at once, one fails here
        except ConcurrentUpdate:
            raise PlanRunning(fiscal_year) from None
        return holding

    def renew(self, fiscal_year: int) -> bool:
        """Push our lease's end on by one lease; False if it is no longer ours (it ran out and another
        replica took it, e.g. after the database stalled longer than a lease)."""

        def attempt() -> bool:
            lease = PlanLeaseDocument.objects(id=str(fiscal_year)).first()
            if lease is None or lease.holder != self.holder:
                return False
            lease.until = self.terms.until(self.clock())
            commit(lease)
            return True

        return retrying(attempt)

    def release(self, fiscal_year: int, summary: dict[str, Any] | None) -> None:
        """Hand the year back, keeping the summary of the run that just ended."""

        def attempt() -> None:
            lease = PlanLeaseDocument.objects(id=str(fiscal_year)).first()
            if lease is None or lease.holder != self.holder:
                return
            lease.holder, lease.until = None, None
            if summary is not None:
                lease.last_run = summary
            commit(lease)

        retrying(attempt)

    @contextmanager
    def held(self, fiscal_year: int) -> Iterator[Holding]:
        """Take the lease (or PlanRunning) and keep it renewed until the block ends, then release it
        with the summary the block left on the ``Holding``."""
        holding = self.acquire(fiscal_year)
        beat = Heartbeat(lambda: self.renew(fiscal_year), self.terms.renew_every_s)
        beat.start()
        try:
            yield holding
        finally:
            beat.stop()
            self.release(fiscal_year, holding.summary)


@dataclass
class Holding:
    run: str  # this run
    previous_run: str | None  # the run that took the year before, in any replica
    summary: dict[str, Any] | None = None


class Heartbeat:
    """Calls ``renew`` every ``every_s`` seconds on a thread of its own until stopped or ``renew``
    answers False (the lease is gone; renewing cannot bring it back)."""

    def __init__(self, renew: Callable[[], bool], every_s: float) -> None:
        self._renew, self._every_s = renew, every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="plan-lease-heartbeat", daemon=True)
        self.lost = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stopped.wait(self._every_s):
            try:
                if not self._renew():
                    self.lost = True
                    log.warning("the planning lease was taken over while this run worked; it no longer renews it")
                    return
            except Exception:  # a database hiccup: the next beat tries again, within the lease's slack
                log.warning("could not renew the planning lease", exc_info=True)
