"""Dates, times and amounts written the way Chinese customers expect, in Beijing time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Optional

BEIJING = timezone(timedelta(hours=8), name="Asia/Shanghai")


def beijing_today(now: Optional[datetime] = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(BEIJING).date()


def format_date(value: date) -> str:
    """2026年11月5日"""
    if isinstance(value, datetime):
        value = value.astimezone(BEIJING).date()
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: datetime) -> str:
    """2026年11月5日 10:12 (Beijing time)"""
    local = value.astimezone(BEIJING)
    return f"{format_date(local.date())} {local:%H:%M}"


def format_amount(value: Decimal) -> str:
    """¥129.00"""
    return f"¥{Decimal(value):.2f}"
