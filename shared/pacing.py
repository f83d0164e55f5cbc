"""A periodic job that gives itself a share of the time, not a fixed rhythm."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Paced:
    """Runs a round of work and says how long to wait before the next: the interval, or longer when the
    round itself took more than ``max_share`` of its cycle. A job whose cost grows with the data (the JP
    compliance KPI reads every employee: 1.75 s at Medan, about 30 s at North Sumatra) or with the write
    load (the needs recounted per unit: 51 units of 0.13 s each when an assessment centre's results
    touch them all) then runs less often instead of keeping the database busy (README, Operations)."""

    def __init__(
        self,
        work: Callable[[], object],
        *,
        interval_s: float,
        max_share: float,
        what: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._work, self._clock, self.what = work, clock, what
        self.interval_s, self.max_share = interval_s, max_share
        self.took_s = 0.0
        self._stretched = False

    def run(self) -> None:
        started = self._clock()
        try:
            self._work()
        finally:
            self.took_s = self._clock() - started

    def wait_s(self) -> float:
        # took / (took + wait) <= max_share
        stretched = self.took_s / self.max_share - self.took_s
        # Said when the rhythm changes, not at every round: a burst of writes stretches the recounts'
        # rounds every few seconds.
        if (stretched > self.interval_s) != self._stretched:
            self._stretched = not self._stretched
            if self._stretched:
                log.info(
                    "%s took %.1f s: the next in %.0f s instead of %.0f s (at most %.0f %% of the time)",
                    self.what,
                    self.took_s,
                    stretched,
                    self.interval_s,
                    self.max_share * 100,
                )
            else:
                log.info("%s back to every %.0f s", self.what, self.interval_s)
        return max(self.interval_s, stretched)
