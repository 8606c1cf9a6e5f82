"""Order status: order number → identity check → status, items, key dates, carrier and tracking number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import joinedload, selectinload

from bot.actions.common import FormResult, IdentityCheckedForm, Message, is_verified, said_this_turn
from bot.actions.labels import ORDER_STATUS
from bot.formatting import format_amount, format_datetime
from bot.identifiers import find_identifiers, malformed_order_number, mask_phone, normalize_identifier
from bot.store.db import reading
from bot.store.models import Customer, Order, OrderItem, Product

# What a customer may give where the order number was asked, as the reply names it.
OTHER_IDENTIFIERS = {"phone": "手机号", "serial_number": "设备序列号", "repair_id": "维修单号",
                     "return_id": "退换货申请单号", "complaint_id": "投诉单号"}

# Asked several times a form turn (validation, the identity check): one prebuilt query, no ORM objects.
_ORDER_PHONE = (select(Customer.phone).join(Order, Order.customer_id == Customer.id)
                .where(Order.order_id == bindparam("order_id")))


# What an order's answer shows, loaded with the order (two queries) instead of one lazy load per item.
_ORDER_WITH_DETAILS = (joinedload(Order.customer), selectinload(Order.items).joinedload(OrderItem.product))

# The order's answer, read without ORM objects: building them cost 3 of the 4.5 ms of `action_show_order_status`.
_ORDER_CARD = (select(Order.order_id, Order.status, Order.total_amount, Order.created_at, Order.paid_at,
                      Order.shipped_at, Order.delivered_at, Order.carrier, Order.tracking_no, Customer.phone)
               .join(Customer, Order.customer_id == Customer.id).where(Order.order_id == bindparam("order_id")))
_ORDER_GOODS = (select(Product.name, OrderItem.quantity).join(Product, OrderItem.sku == Product.sku)
                .where(OrderItem.order_id == bindparam("order_id")).order_by(OrderItem.id))


@dataclass(frozen=True)
class OrderCard:
    """What the order look-up shows of an order, read in two plain queries."""

    order_id: Text
    status: Text
    total_amount: Decimal
    created_at: datetime
    paid_at: Optional[datetime]
    shipped_at: Optional[datetime]
    delivered_at: Optional[datetime]
    carrier: Optional[Text]
    tracking_no: Optional[Text]
    phone: Text
    goods: Tuple[Tuple[Text, int], ...]  # (product name, quantity) in the order's sequence


def order_card(connection: Connection, order_id: Text) -> Optional[OrderCard]:
    row = connection.execute(_ORDER_CARD, {"order_id": order_id}).one_or_none()
    if row is None:
        return None
    goods = tuple((name, quantity) for name, quantity in connection.execute(_ORDER_GOODS, {"order_id": order_id}))
    return OrderCard(**row._mapping, goods=goods)


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


MISTYPED_SLOT = "order_id_mistyped"  # selects utter_ask_order_id's variation that names the mistyped number


def names_mistyped_number(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """The message holds a mistyped order number ("订单TP20261105001 发货没": 11 digits) not already named as
    malformed this turn: the question for the order number says so instead of being silently asked again."""
    named = any(message.get("response") == "utter_invalid_order_id" for message in dispatcher.messages)
    return (malformed_order_number((tracker.latest_message or {}).get("text")) is not None and not named
            and not said_this_turn(tracker, "utter_invalid_order_id"))


def _keeps_rejection(events: List[EventType], tracker: Tracker) -> bool:
    """No slot was set from the customer's answer, so Rasa rejects the form and lets the policies answer (an FAQ
    asked inside the form): one more SlotSet would hide that. The form's validation when it resumes sets the flag."""
    answering = bool(tracker.active_loop.get("name")) and tracker.latest_action_name == "action_listen"
    return answering and not any(event.get("event") == "slot" and event.get("name") != "requested_slot"
                                 for event in events)


class OrderNumberForm(IdentityCheckedForm):
    """A form about one of the customer's orders (look-up, return): the order number, then its phone check.

    The question for the order number is a response Rasa renders itself (utter_ask_order_id, whose variation
    for a mistyped number this validation selects with `MISTYPED_SLOT`): a custom ask action cost one more call
    of the action server on the turn that starts the form.
    """

    record_slot = "order_id"

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return order_phone(record_id)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
                  ) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        mistyped = names_mistyped_number(dispatcher, tracker)
        if mistyped == bool(tracker.get_slot(MISTYPED_SLOT)) or _keeps_rejection(events, tracker):
            return events
        return events + [SlotSet(MISTYPED_SLOT, mistyped)]

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        # A new order number needs its own identity check (unless its phone is already verified).
        return self.record_chosen(validate_order_number(value, dispatcher), dispatcher, tracker, domain)


def goods_line(goods: Iterable[Tuple[Text, int]]) -> Text:
    """What an order holds, as the customer knows it ("TP-LINK TL-SG1008D 8口千兆交换机 ×1")."""
    return "；".join(f"{name} ×{quantity}" for name, quantity in goods)


def order_items(order: Order) -> Text:
    """`goods_line` of an order loaded with the ORM."""
    return goods_line((item.product.name, item.quantity) for item in order.items)


def order_details(order: OrderCard) -> Dict[Text, Text]:
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
        "items": goods_line(order.goods),
        "amount": format_amount(order.total_amount),
        "masked_phone": mask_phone(order.phone),
        "timeline": "".join(f"{label}：{format_datetime(moment)}\n" for label, moment in timeline),
        "shipping": shipping,
    }


class OrderStatusResult(FormResult):
    """The order's card, shown by the form's validation on the turn the phone check passes."""

    form = "order_status_form"
    record_slot = "order_id"
    reads_only = True

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return order_phone(record_id)

    def respond(self, connection: Connection, tracker: Tracker) -> List[Message]:
        order_id = tracker.get_slot("order_id")
        order = order_card(connection, order_id) if order_id else None
        if order is None or not is_verified(tracker, order.phone):
            return []  # the form already told the customer why
        return [{"response": "utter_order_details", **order_details(order)}]


class ValidateOrderStatusForm(OrderNumberForm):
    def name(self) -> Text:
        return "validate_order_status_form"

    shows = OrderStatusResult()

    async def extract_order_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return self.earlier_record(tracker)
