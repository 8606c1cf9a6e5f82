from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from bot.aftersales import add_months, return_decision, warranty_status


def test_add_months_clamps_to_the_end_of_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 5), 24) == date(2028, 11, 5)


def device(purchase: date, months: int, extended: int = 0):
    return SimpleNamespace(purchase_date=purchase, extended_warranty_months=extended,
                           product=SimpleNamespace(warranty_months=months))


def test_warranty_adds_the_extension():
    status = warranty_status(device(date(2024, 6, 1), 24, 12), today=date(2026, 11, 23))
    assert status.ends_on == date(2027, 6, 1) and status.in_warranty and status.days_left == 190
    lapsed = warranty_status(device(date(2024, 6, 1), 24), today=date(2026, 11, 23))
    assert not lapsed.in_warranty and lapsed.days_left == 0


def order(status, delivered_days_ago, return_days=(7,), today=date(2026, 11, 23)):
    delivered = None
    if delivered_days_ago is not None:
        delivered = datetime(today.year, today.month, today.day, 2, tzinfo=timezone.utc) - timedelta(days=delivered_days_ago)
    items = [SimpleNamespace(product=SimpleNamespace(return_days=d)) for d in return_days]
    return SimpleNamespace(status=status, delivered_at=delivered, items=items)


def test_return_window_is_the_shortest_of_the_products():
    today = date(2026, 11, 23)
    assert return_decision(order("delivered", 7), [], today).eligible
    assert return_decision(order("delivered", 8), [], today).reason == "window_passed"
    passed = return_decision(order("delivered", 20, (30, 7)), [], today)
    assert passed.reason == "window_passed" and passed.window_days == 7  # told to the customer with the deadline
    assert return_decision(order("delivered", 20, (30,)), [], today).eligible


def test_return_needs_a_delivered_order_not_already_returned():
    today = date(2026, 11, 23)
    assert return_decision(order("shipped", None), [], today).reason == "not_delivered"
    assert return_decision(order("refunded", 2), [], today).reason == "already_refunded"
    existing = [SimpleNamespace(status="rejected", return_id="TH1"), SimpleNamespace(status="submitted", return_id="TH2")]
    decision = return_decision(order("delivered", 2), existing, today)
    assert decision.reason == "already_requested" and decision.existing_return_id == "TH2"
