"""Medan's clock. Every day a rule decides on (a deadline, the day a batch starts, the JP check, a
quarter, a digest) is the day in Medan, WIB (UTC+7), whatever zone the server runs in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


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


def seconds_until(hour: int, at: datetime) -> float:
    """From ``at`` until the next ``hour``:00 in Medan."""
    local = at.astimezone(WIB)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return (target - local).total_seconds()
