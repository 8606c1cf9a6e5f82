"""Order status: order number → identity check → status, items, key dates, carrier and tracking number."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from bot.actions.common import FormResultAction, IdentityCheckedForm, Message, is_verified, said_this_turn
from bot.actions.labels import ORDER_STATUS
from bot.formatting import format_amount, format_datetime
from bot.identifiers import find_identifiers, malformed_order_number, mask_phone, normalize_identifier
from bot.store.db import reading
from bot.store.models import Customer, Order, OrderItem

# What a customer may give where the order number was asked, as the reply names it.
OTHER_IDENTIFIERS = {"phone": "手机号", "serial_number": "设备序列号", "repair_id": "维修单号",
                     "return_id": "退换货申请单号", "complaint_id": "投诉单号"}

# Asked several times a form turn (validation, the identity check): one prebuilt query, no ORM objects.
_ORDER_PHONE = (select(Customer.phone).join(Order, Order.customer_id == Customer.id)
                .where(Order.order_id == bindparam("order_id")))


# What an order's answer shows, loaded with the order (two queries) instead of one lazy load per item.
_ORDER_WITH_DETAILS = (joinedload(Order.customer), selectinload(Order.items).joinedload(OrderItem.product))


def find_order(session, order_id: Text) -> Optional[Order]:
    return session.get(Order, order_id, options=_ORDER_WITH_DETAILS)


def verified_order(session, tracker: Tracker) -> Optional[Order]:
    """The order in the `order_id` slot, if this conversation verified its phone; None otherwise."""
    order_id = tracker.get_slot("order_id")
    order = find_order(session, order_id) if order_id else None
    return order if order is not None and is_verified(tracker, order.customer.phone) else None


def order_phone(order_id: Text) -> Optional[Text]:
    """The phone on record for the order, None when there is no such order."""
    with reading() as connection:
        return connection.execute(_ORDER_PHONE, {"order_id": order_id}).scalar()


def validate_order_number(value: Any, dispatcher: CollectingDispatcher) -> Optional[Text]:
    """The canonical order number if it is well-formed and exists; otherwise tell the customer and return None."""
    order_id = normalize_identifier("order_id", value)
    if order_id is None:
        other = next((m.kind for m in find_identifiers(str(value or "")) if m.kind in OTHER_IDENTIFIERS), None)
        if other is not None:  # e.g. the full phone number where the order number was asked
            dispatcher.utter_message(response="utter_not_an_order_id", given=OTHER_IDENTIFIERS[other])
        else:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return None
    if order_phone(order_id) is None:
        dispatcher.utter_message(response="utter_order_not_found", order_id=order_id)
        return None
    return order_id


class ActionAskOrderId(Action):
    """Ask for the order number (order status and return forms); a mistyped one in the message that started the
    form ("订单TP20261105001 发货没": 11 digits) is named as malformed instead of being silently asked for again."""

    def name(self) -> Text:
        return "action_ask_order_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
                  ) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text")
        if malformed_order_number(text) and not said_this_turn(tracker, "utter_invalid_order_id"):
            dispatcher.utter_message(response="utter_invalid_order_id")
        else:
            dispatcher.utter_message(response="utter_ask_order_id")
        return []


class ValidateOrderStatusForm(IdentityCheckedForm):
    record_slot = "order_id"

    def name(self) -> Text:
        return "validate_order_status_form"

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return order_phone(record_id)

    async def extract_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return self.earlier_record(tracker)

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        # A new order number needs its own identity check (unless its phone is already verified).
        return self.record_chosen(validate_order_number(value, dispatcher), dispatcher, tracker, domain)


def order_items(order: Order) -> Text:
    """What the order holds, as the customer knows it ("TP-LINK TL-SG1008D 8口千兆交换机 ×1")."""
    return "；".join(f"{item.product.name} ×{item.quantity}" for item in order.items)


def order_details(order: Order) -> Dict[Text, Text]:
    timeline = [
        (label, moment)
        for label, moment in (("下单时间", order.created_at), ("付款时间", order.paid_at),
                              ("发货时间", order.shipped_at), ("签收时间", order.delivered_at))
        if moment is not None
    ]
    shipping = ""
    if order.carrier and order.tracking_no:
        shipping = f"物流：{order.carrier}，运单号 {order.tracking_no}"
    return {
        "order_id": order.order_id,
        "status": ORDER_STATUS[order.status],
        "items": order_items(order),
        "amount": format_amount(order.total_amount),
        "masked_phone": mask_phone(order.customer.phone),
        "timeline": "".join(f"{label}：{format_datetime(moment)}\n" for label, moment in timeline),
        "shipping": shipping,
    }


class ActionShowOrderStatus(FormResultAction):
    form = "order_status_form"

    record_slot = "order_id"

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return order_phone(record_id)

    def name(self) -> Text:
        return "action_show_order_status"

    def respond(self, session, tracker: Tracker) -> List[Message]:
        order = verified_order(session, tracker)
        if order is None:
            return []  # the form already told the customer why
        return [{"response": "utter_order_details", **order_details(order)}]
