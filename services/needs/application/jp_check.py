"""The periodic JP shortfall check: from ``JP_CHECK_FROM`` on, every ``JP_CHECK_INTERVAL_S``, a need for
everyone below the year's minimum (PP 11/2017 Pasal 203 ayat (4): 20 JP a year; ``NeedsService.check_jp``).

Each round is recorded as a job (``GET /jobs/jp-check-<year>``: when it ended and what it found), so a
restart waits until the last round, of this process or another replica, is an interval old, instead of
checking the whole workforce again at every start (Medan's 13,000 employees: 3.9-4.8 s with nothing to
change; a province has fifteen times as many)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from services.needs.application.needs import NeedsService
from services.needs.documents import JobDocument
from shared.domain import clock

log = logging.getLogger(__name__)

KIND = "jp_check"


def job_id(fiscal_year: int) -> str:
    return f"jp-check-{fiscal_year}"


class JpCheck:
    """A periodic job (``ServiceRuntime.every``, first round at start): ``run`` in a worker thread, then
    ``wait_s``, which reads nothing (it is asked on the event loop)."""

    def __init__(self, service: NeedsService, *, starts: Callable[[int], date], interval_s: float) -> None:
        self.service = service
        self.starts = starts  # the first day of the year the check runs on
        self.interval_s = interval_s
        self._first = True
        self._next_wait_s = interval_s

    def run(self) -> None:
        today = clock.today()
        self._next_wait_s = self.interval_s
        if today < self.starts(today.year):
            return
        if self._first:
            self._first = False
            left = self._left_of_last(today.year)
            if left > 0:
                self._next_wait_s = left
                log.info("JP check skipped at start: the last one is recent", extra={"fields": {"next_in_s": left}})
                return
        began = datetime.now(UTC)
        counts = self.service.check_jp(today.year)
        JobDocument(
            id=job_id(today.year),
            kind=KIND,
            status="done",
            processed=counts["checked"],
            total=counts["checked"],
            report=counts | {"fiscal_year": today.year},
            created_by="jp-check",
            created_at=began,
            updated_at=datetime.now(UTC),
        ).save()
        log.info("JP check done", extra={"fields": counts | {"fiscal_year": today.year}})

    def wait_s(self) -> float:
        return self._next_wait_s

    def _left_of_last(self, fiscal_year: int) -> float:
        """What is left of the interval since the last recorded round (none: nothing)."""
        last = JobDocument.objects(id=job_id(fiscal_year)).first()
        if last is None:
            return 0.0
        ended = last.updated_at.replace(tzinfo=UTC)  # stored instants come back naive, in UTC
        return max(0.0, self.interval_s - (datetime.now(UTC) - ended).total_seconds())
