"""Medan's clock. Every day a rule decides on (a deadline, the day a batch starts, the JP check, a
quarter, a digest) is the day in Medan, WIB (UTC+7), whatever zone the server runs in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from shared.domain.errors import Invalid
from shared.domain.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR

WIB = timezone(timedelta(hours=7), "WIB")
# The span of moments a request may name: nothing here predates the system's first fiscal year or plans
# past its last; beyond them a date is a typo, and 0001-01-01 with a zone east of UTC even overflowed
# the database driver (a 500).
EARLIEST = datetime(FIRST_FISCAL_YEAR, 1, 1, tzinfo=WIB)
LATEST = datetime(LAST_FISCAL_YEAR + 1, 1, 1, tzinfo=WIB)


def now() -> datetime:
    return datetime.now(WIB)


def today() -> date:
    return now().date()


def day_of(instant: datetime) -> date:
    """The day in Medan of an instant; a naive one is UTC (how the database hands stored instants back)."""
    aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return aware.astimezone(WIB).date()


def midnight(day: date) -> datetime:
    """The instant a day begins in Medan."""
    return datetime.combine(day, time.min, WIB)


def end_of_today() -> datetime:
    """The instant tomorrow begins in Medan."""
    return midnight(today() + timedelta(days=1))


def checked_moment(name: str, moment: datetime, *, before: datetime = LATEST) -> datetime:
    """``moment`` (Medan time when it names no zone) if it lies from 2000-01-01 up to ``before``; else
    Invalid naming the field. Compared as given, never converted first: a far-off moment cannot be."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=WIB)
    if not EARLIEST <= aware < before:
        last = (before - timedelta(microseconds=1)).astimezone(WIB).date()
        raise Invalid(
            "out_of_range",
            f"{name} harus antara {EARLIEST:%d-%m-%Y} dan {last:%d-%m-%Y} (WIB).",
            f"{name} must be between {EARLIEST:%Y-%m-%d} and {last:%Y-%m-%d} (WIB).",
        )
    return aware


def seconds_until(hour: int, at: datetime) -> float:
    """From ``at`` until the next ``hour``:00 in Medan."""
    local = at.astimezone(WIB)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return (target - local).total_seconds()
