"""Repair request: serial number → fault → contact phone (the owner's) → confirmation → a new WX ticket."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.actions.common import (
    ThreadedAction,
    FormResultAction,
    GuardedFormValidation,
    Message,
    database_unavailable,
    failed_events,
    free_text_answer,
    is_locked,
    is_verified,
    validated_description,
    verified_events,
)
from bot.actions.warranty import validate_serial
from bot.aftersales import warranty_status
from bot.formatting import beijing_today, format_date
from bot.identifiers import mask_phone, normalize_identifier
from bot.store.db import transaction
from bot.store.ids import next_id
from bot.store.models import FINISHED_REPAIR_STATUSES, Device, Repair, RepairEvent


def open_repair_id(session, serial: Text) -> Optional[Text]:
    return session.execute(
        select(Repair.repair_id).where(Repair.serial_number == serial, Repair.status.notin_(FINISHED_REPAIR_STATUSES))
    ).scalar()


def owner_phone(serial: Text) -> Optional[Text]:
    with transaction() as session:
        device = session.get(Device, serial)
        return device.customer.phone if device else None


def tell_if_out_of_warranty(serial: Text, dispatcher: CollectingDispatcher) -> None:
    """Say at the start, not only on the confirmation, that a device's repair will be paid (out of warranty)."""
    with transaction() as session:
        device = session.get(Device, serial)
        if device is None or open_repair_id(session, serial):
            return  # the submit action says a repair is already under way
        status = warranty_status(device, beijing_today())
    if not status.in_warranty:
        dispatcher.utter_message(response="utter_repair_out_of_warranty", ends_on=format_date(status.ends_on))


class ValidateRepairRequestForm(GuardedFormValidation):
    def name(self) -> Text:
        return "validate_repair_request_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Text]:
        if is_locked(tracker):
            return []
        slots = list(domain_slots)
        # Runs before and after validation: the slot may still hold the serial number as typed.
        serial = normalize_identifier("serial_number", tracker.get_slot("serial_number"))
        if serial:
            with transaction() as session:
                if open_repair_id(session, serial):
                    return []  # nothing more to ask: the submit action says a repair is already under way
        phone = owner_phone(serial) if serial else None
        if phone and is_verified(tracker, phone) and not tracker.get_slot("contact_phone"):
            slots.remove("contact_phone")  # the owner's number is already confirmed in this conversation
        return slots

    def validate_serial_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        serial = validate_serial(value, dispatcher)
        if serial:
            tell_if_out_of_warranty(serial, dispatcher)
        return {"serial_number": serial}

    async def extract_fault_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return free_text_answer(tracker, "fault_description")

    def validate_fault_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return validated_description("fault_description", value, dispatcher)

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        phone = normalize_identifier("phone", value)
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_contact_phone")
            return {"contact_phone": None}
        serial = tracker.get_slot("serial_number")
        if serial and phone != owner_phone(serial):
            return failed_events(tracker, dispatcher, "utter_contact_phone_mismatch", "contact_phone")
        return {"contact_phone": phone, **verified_events(tracker, phone)}


class ActionAskRepairConfirmed(ThreadedAction):
    """The confirmation question, with the details the customer is confirming."""

    def name(self) -> Text:
        return "action_ask_repair_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        serial = tracker.get_slot("serial_number")
        try:
            with transaction() as session:
                device = session.get(Device, serial) if serial else None
                if device is None:  # removed since the serial number was checked
                    dispatcher.utter_message(response="utter_device_not_found", serial_number=serial)
                    return [SlotSet("serial_number", None)]
                product_name, phone = device.product.name, device.customer.phone
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, self.name(), error)
            return []
        dispatcher.utter_message(
            response="utter_ask_repair_confirmed",
            product_name=product_name,
            serial_number=serial,
            fault_description=tracker.get_slot("fault_description"),
            masked_contact_phone=mask_phone(tracker.get_slot("contact_phone") or phone),
        )
        return []


class ActionSubmitRepairRequest(FormResultAction):
    form = "repair_request_form"

    def name(self) -> Text:
        return "action_submit_repair_request"

    def respond(self, session, tracker: Tracker) -> List[Message]:
        serial = normalize_identifier("serial_number", tracker.get_slot("serial_number"))
        if not serial:
            return []
        if open_repair_id(session, serial):
            return [{"response": "utter_repair_already_open"}]
        device = session.get(Device, serial)
        fault = tracker.get_slot("fault_description")
        confirmed = fault and tracker.get_slot("repair_confirmed")
        if device is None or not confirmed or not is_verified(tracker, device.customer.phone):
            return []
        now = datetime.now(timezone.utc)
        status = warranty_status(device, beijing_today(now))
        repair = Repair(
            repair_id=next_id(session, "WX", now),
            serial_number=device.serial_number,
            customer_id=device.customer_id,
            fault=fault,
            status="submitted",
            in_warranty=int(status.in_warranty),
            created_at=now,
            updated_at=now,
            conversation_id=tracker.sender_id,
        )
        repair.history.append(RepairEvent(status="submitted", at=now, note="客户通过在线客服提交"))
        session.add(repair)
        if status.in_warranty:
            cost = f"设备在保修期内（至 {format_date(status.ends_on)}），经检测属于质量问题的将免费维修。"
        else:
            cost = f"设备已于 {format_date(status.ends_on)} 过保，将按付费维修处理：检测后先报价，经您确认再维修。"
        return [{"response": "utter_repair_submitted", "repair_id": repair.repair_id, "cost": cost}]
