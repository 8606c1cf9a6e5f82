"""Company policy on warranties and returns, as pure functions of the records and today's date (Beijing time)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Optional

from bot.formatting import BEIJING
from bot.store.models import Device, Order, ReturnRequest

OPEN_RETURN_STATUSES = ("submitted", "approved", "completed")


def add_months(start: date, months: int) -> date:
    """Same day `months` later; the last day of the month when that day does not exist (Jan 31 + 1 → Feb 28)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class WarrantyStatus:
    purchase_date: date
    ends_on: date  # the last day covered
    months: int
    extended_months: int
    today: date

    @property
    def in_warranty(self) -> bool:
        return self.today <= self.ends_on

    @property
    def days_left(self) -> int:
        return max(0, (self.ends_on - self.today).days)


def warranty_status(device: Device, today: date) -> WarrantyStatus:
    """Purchase date + the product's warranty + any paid extension."""
    months = device.product.warranty_months
    extended = device.extended_warranty_months or 0
    return WarrantyStatus(
        purchase_date=device.purchase_date,
        ends_on=add_months(device.purchase_date, months + extended),
        months=months,
        extended_months=extended,
        today=today,
    )


@dataclass(frozen=True)
class ReturnDecision:
    eligible: bool
    reason: str  # not_delivered | window_passed | already_requested | already_refunded | eligible
    deadline: Optional[date] = None
    window_days: Optional[int] = None
    existing_return_id: Optional[str] = None


def return_decision(order: Order, existing: Iterable[ReturnRequest], today: date) -> ReturnDecision:
    """Eligible when delivered, within the shortest `return_days` of its products, and not already returned."""
    open_request = next((r for r in existing if r.status in OPEN_RETURN_STATUSES), None)
    if open_request is not None:
        return ReturnDecision(False, "already_requested", existing_return_id=open_request.return_id)
    if order.status in ("refunding", "refunded"):
        return ReturnDecision(False, "already_refunded")
    if order.status != "delivered" or order.delivered_at is None:
        return ReturnDecision(False, "not_delivered")
    window = min(item.product.return_days for item in order.items)
    delivered_on = order.delivered_at.astimezone(BEIJING).date()
    deadline = delivered_on + timedelta(days=window)
    if today > deadline:
        return ReturnDecision(False, "window_passed", deadline=deadline, window_days=window)
    return ReturnDecision(True, "eligible", deadline=deadline, window_days=window)
