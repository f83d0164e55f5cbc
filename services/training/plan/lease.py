"""One planning run at a time per fiscal year, across replicas: whoever commits the lease first (its
version guard) plans; another replica is told the year is being planned, and asks again later."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.training.documents import PlanLeaseDocument
from shared.domain.errors import ConcurrentUpdate, Conflict
from shared.messaging.outbox import commit, retrying


class PlanRunning(Conflict):
    def __init__(self, fiscal_year: int) -> None:
        super().__init__(
            "plan_running",
            f"Perencanaan tahun {fiscal_year} sedang berjalan; coba lagi sebentar lagi.",
            f"Planning of {fiscal_year} is running; try again shortly.",
        )


class PlanLease:
    def __init__(self, *, lease_s: float = 300.0) -> None:
        self.lease_s = lease_s
        self.holder = uuid.uuid4().hex  # this process

    def acquire(self, fiscal_year: int) -> None:
        now = datetime.now(UTC)
        lease = PlanLeaseDocument.objects(id=str(fiscal_year)).first() or PlanLeaseDocument(id=str(fiscal_year))
        until = lease.until.replace(tzinfo=UTC) if lease.until else None
        if lease.holder and lease.holder != self.holder and until and until > now:
            raise PlanRunning(fiscal_year)
        lease.holder, lease.until = self.holder, now + timedelta(seconds=self.lease_s)
        try:
            commit(lease)  # version guard: of two replicas taking the lease at once, one fails here
        except ConcurrentUpdate:
            raise PlanRunning(fiscal_year) from None

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
