"""Return or exchange: order → identity check → eligibility → return or exchange → reason → a new TH request."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.actions.common import (
    FormResultAction,
    Message,
    free_text_answer,
    validated_description,
)
from bot.actions.labels import ORDER_STATUS, RETURN_KIND
from bot.actions.orders import OrderNumberForm, find_order, order_items, order_phone, verified_order
from bot.aftersales import ReturnDecision, return_decision
from bot.formatting import beijing_today, format_date
from bot.store.db import transaction
from bot.store.ids import next_id
from bot.store.models import Order, ReturnRequest

def decide(session, order: Order) -> ReturnDecision:
    existing = session.execute(select(ReturnRequest).where(ReturnRequest.order_id == order.order_id)).scalars()
    return return_decision(order, list(existing), beijing_today())


def return_kind(value: Any) -> Optional[Text]:
    text = str(value or "")
    if "换" in text:
        return "exchange"
    if "退" in text:
        return "return"
    return None


class ValidateReturnForm(OrderNumberForm):
    def name(self) -> Text:
        return "validate_return_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        order_id = tracker.get_slot("order_id")
        if order_id and slots and "phone_last4" not in slots:
            # Identity established: stop here if the order cannot be returned; the submit action says why.
            with transaction() as session:
                order = find_order(session, order_id)
                if order is not None and not decide(session, order).eligible:
                    return []
        return slots

    def validate_return_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        kind = return_kind(value)
        if kind is None:
            dispatcher.utter_message(response="utter_invalid_return_kind")
        return {"return_kind": kind}

    async def extract_return_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return free_text_answer(tracker, "return_reason")

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return validated_description("return_reason", value, dispatcher)


def ineligible_message(order: Order, decision: ReturnDecision) -> Message:
    """Why this order cannot be returned, and what to do instead."""
    if decision.reason == "already_requested":
        return {"response": "utter_return_already_requested", "order_id": order.order_id, "items": order_items(order),
                "return_id": decision.existing_return_id}
    if decision.reason == "already_refunded":
        return {"response": "utter_return_already_refunded", "order_id": order.order_id, "items": order_items(order),
                "status": ORDER_STATUS[order.status]}
    if decision.reason == "window_passed":
        return {"response": "utter_return_window_passed", "order_id": order.order_id, "items": order_items(order),
                "deadline": format_date(decision.deadline), "window_days": decision.window_days}
    return {"response": "utter_return_not_delivered", "order_id": order.order_id, "items": order_items(order),
            "status": ORDER_STATUS[order.status]}


class ActionSubmitReturn(FormResultAction):
    form = "return_form"

    record_slot = "order_id"

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return order_phone(record_id)

    def name(self) -> Text:
        return "action_submit_return"

    def respond(self, session, tracker: Tracker) -> List[Message]:
        order = verified_order(session, tracker)
        if order is None:
            return []
        decision = decide(session, order)
        if not decision.eligible:
            return [ineligible_message(order, decision)]
        kind, reason = tracker.get_slot("return_kind"), tracker.get_slot("return_reason")
        if not (kind and reason):
            return []
        now = datetime.now(timezone.utc)
        request = ReturnRequest(
            return_id=next_id(session, "TH", now), order_id=order.order_id, customer_id=order.customer_id,
            kind=kind, reason=reason, status="submitted", created_at=now, conversation_id=tracker.sender_id,
        )
        session.add(request)
        refund_note = "检验通过后退款将原路退回。" if kind == "return" else "检验通过后为您寄出新品。"
        return [{"response": "utter_return_submitted", "kind": RETURN_KIND[kind], "return_id": request.return_id,
                 "refund_note": refund_note}]
