"""Medan's clock: the city keeps Western Indonesian Time (WIB, UTC+7, no daylight saving), so its days,
quarters and deadlines begin at midnight WIB, seven hours before midnight UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from shared.http.errors import ApiError

WIB = timezone(timedelta(hours=7), "WIB")


def today_in_medan() -> date:
    return datetime.now(WIB).date()


# The span of moments a request may name: nothing here predates the system's first fiscal year (2000)
# or plans past its last (2100); beyond them a date is a typo, and 0001-01-01 with a zone east of UTC
# even overflowed the database driver (a 500).
EARLIEST = datetime(2000, 1, 1, tzinfo=WIB)
LATEST = datetime(2101, 1, 1, tzinfo=WIB)


def end_of_today_in_medan() -> datetime:
    return datetime.combine(today_in_medan() + timedelta(days=1), time.min, WIB)


def checked_moment(name: str, moment: datetime, *, before: datetime = LATEST) -> datetime:
    """``moment`` (Medan time when it names no zone) if it lies from 2000-01-01 up to ``before``; else a
    422 naming the field. Compared as given, never converted first: a far-off moment cannot be."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=WIB)
    if not EARLIEST <= aware < before:
        last = (before - timedelta(microseconds=1)).astimezone(WIB).date()
        raise ApiError(
            422,
            "out_of_range",
            f"{name} harus antara {EARLIEST:%d-%m-%Y} dan {last:%d-%m-%Y} (WIB).",
            f"{name} must be between {EARLIEST:%Y-%m-%d} and {last:%Y-%m-%d} (WIB).",
        )
    return aware
