"""Complaint: description → order (optional) → contact phone → a new TS ticket, reply within 24 hours."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.actions.common import (
    FormResultAction,
    GuardedFormValidation,
    Message,
    free_text_answer,
    validated_description,
)
from bot.actions.orders import validate_order_number
from bot.identifiers import mask_phone, normalize_identifier
from bot.store.ids import next_id
from bot.store.models import Complaint, Customer

NO_ORDER = "none"
_NO_ORDER_WORDS = re.compile(r"没有|无|不涉及|跳过|没|不是订单|不用")


class ValidateComplaintForm(GuardedFormValidation):
    opens_with_apology = True

    def name(self) -> Text:
        return "validate_complaint_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Text]:
        slots = list(domain_slots)
        if tracker.get_slot("order_id") and not tracker.get_slot("complaint_order"):
            slots.remove("complaint_order")  # the complaint already named its order
        return slots

    async def extract_complaint_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return free_text_answer(tracker, "complaint_description")

    def validate_complaint_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return validated_description("complaint_description", value, dispatcher)

    def validate_complaint_order(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        # NO_ORDER comes from the "不涉及订单" button or a "没有" (deny) answer; or the customer types it.
        if value == NO_ORDER or (
            normalize_identifier("order_id", value) is None and _NO_ORDER_WORDS.search(str(value or ""))
        ):
            return {"complaint_order": NO_ORDER}
        return {"complaint_order": validate_order_number(value, dispatcher)}

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        phone = normalize_identifier("phone", value)
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_contact_phone")
        return {"contact_phone": phone}


class ActionSubmitComplaint(FormResultAction):
    form = "complaint_form"
    refuse_when_locked = False  # anyone may complain, verified or not

    def name(self) -> Text:
        return "action_submit_complaint"

    def respond(self, session, tracker: Tracker) -> List[Message]:
        text, phone = tracker.get_slot("complaint_description"), tracker.get_slot("contact_phone")
        if not (text and phone):
            return []
        order_id = tracker.get_slot("complaint_order") or tracker.get_slot("order_id")
        now = datetime.now(timezone.utc)
        complaint = Complaint(
            complaint_id=next_id(session, "TS", now),
            customer_id=session.execute(select(Customer.id).where(Customer.phone == phone)).scalar(),
            contact_phone=phone,
            order_id=None if order_id in (None, NO_ORDER) else order_id,
            description=text,
            status="open",
            created_at=now,
            conversation_id=tracker.sender_id,
        )
        session.add(complaint)
        return [{"response": "utter_complaint_submitted", "complaint_id": complaint.complaint_id,
                 "masked_phone": mask_phone(phone)}]
