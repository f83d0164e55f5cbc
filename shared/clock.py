"""Medan's clock: the city keeps Western Indonesian Time (WIB, UTC+7, no daylight saving), so its days,
quarters and deadlines begin at midnight WIB, seven hours before midnight UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def today_in_medan() -> date:
    return datetime.now(WIB).date()
