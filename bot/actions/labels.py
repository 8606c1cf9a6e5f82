"""Chinese names of record statuses, as customers are shown them."""

ORDER_STATUS = {
    "pending_payment": "待付款",
    "paid": "已付款，待发货",
    "shipped": "已发货，运输中",
    "delivered": "已签收",
    "cancelled": "已取消",
    "refunding": "退款中",
    "refunded": "已退款",
}

REPAIR_STATUS = {
    "submitted": "已提交，待审核",
    "awaiting_shipment": "审核通过，等待您寄出设备",
    "received": "已收到设备",
    "diagnosing": "检测中",
    "repairing": "维修中",
    "repaired": "维修完成，待寄回",
    "shipped_back": "已寄回",
    "completed": "已完成",
    "cancelled": "已取消",
}

RETURN_KIND = {"return": "退货", "exchange": "换货"}
