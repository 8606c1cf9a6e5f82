"""Test records with dates relative to today, so that warranty and return-window outcomes never drift."""

from datetime import date, datetime, time, timedelta
from typing import Any, Dict

from bot.formatting import BEIJING, beijing_today


RECORDS_DAY = beijing_today()
"""The day the records are dated from, fixed once per test session: a run that crosses midnight in Beijing would
otherwise seed the shared servers' database with one day's order numbers and look up the next day's."""


def at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour), tzinfo=BEIJING).isoformat()


class Ids:
    """The identifiers of the records below, for today's date."""

    def __init__(self, today: date) -> None:
        self.today = today
        stamp = today.strftime("%Y%m%d")
        self.shipped = f"TP{stamp}0001"  # 张三, shipped
        self.returnable = f"TP{stamp}0002"  # 张三, delivered 2 days ago, 30-day switch
        self.too_old = f"TP{stamp}0003"  # 李四, delivered 40 days ago, 7-day router
        self.pending = f"TP{stamp}0004"  # 李四, not paid
        self.exchangeable = f"TP{stamp}0005"  # 张三, delivered yesterday, 15-day router
        self.device_in = "SN0TEST00IN1"  # 张三, bought 30 days ago
        self.device_out = "SN0TEST0OUT1"  # 李四, bought 800 days ago
        self.repair = f"WX{today.year}000101"  # 张三's, repairing
        self.zhang_phone = "13800138000"
        self.li_phone = "13912345678"


def records(today: date = None) -> Dict[str, Any]:
    today = today or RECORDS_DAY
    ids = Ids(today)
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    return {
        "customers": [{"phone": ids.zhang_phone, "name": "张三"}, {"phone": ids.li_phone, "name": "李四"}],
        "orders": [
            {"order_id": ids.shipped, "phone": ids.zhang_phone, "status": "shipped",
             "items": [{"sku": "TL-WR886N", "quantity": 1, "unit_price": "129.00"}],
             "created_at": at(ago(3)), "paid_at": at(ago(3), 11), "shipped_at": at(ago(2)),
             "carrier": "顺丰速运", "tracking_no": "SF1234567890"},
            {"order_id": ids.returnable, "phone": ids.zhang_phone, "status": "delivered",
             "items": [{"sku": "TL-SG1008D", "quantity": 2, "unit_price": "89.00"}],
             "created_at": at(ago(5)), "paid_at": at(ago(5)), "shipped_at": at(ago(4)), "delivered_at": at(ago(2)),
             "carrier": "京东物流", "tracking_no": "JD0012345678"},
            {"order_id": ids.too_old, "phone": ids.li_phone, "status": "delivered",
             "items": [{"sku": "TL-WR886N", "quantity": 1, "unit_price": "129.00"}],
             "created_at": at(ago(45)), "paid_at": at(ago(45)), "shipped_at": at(ago(44)),
             "delivered_at": at(ago(40)), "carrier": "顺丰速运", "tracking_no": "SF0987654321"},
            {"order_id": ids.exchangeable, "phone": ids.zhang_phone, "status": "delivered",
             "items": [{"sku": "TL-XDR6088", "quantity": 1, "unit_price": "899.00"}],
             "created_at": at(ago(3)), "paid_at": at(ago(3)), "shipped_at": at(ago(2)), "delivered_at": at(ago(1)),
             "carrier": "京东物流", "tracking_no": "JD0099887766"},
            {"order_id": ids.pending, "phone": ids.li_phone, "status": "pending_payment",
             "items": [{"sku": "TL-H69RD", "quantity": 1, "unit_price": "399.00"}], "created_at": at(ago(1))},
        ],
        "devices": [
            {"serial_number": ids.device_in, "sku": "TL-WR886N", "phone": ids.zhang_phone,
             "order_id": ids.shipped, "purchase_date": ago(30).isoformat()},
            {"serial_number": ids.device_out, "sku": "TL-WDR5620", "phone": ids.li_phone,
             "purchase_date": ago(800).isoformat()},
        ],
        "repairs": [
            {"repair_id": ids.repair, "serial_number": ids.device_in, "phone": ids.zhang_phone, "fault": "无法开机",
             "status": "repairing", "created_at": at(ago(5)), "updated_at": at(ago(2)),
             "estimated_done": (today + timedelta(days=3)).isoformat()},
        ],
    }
