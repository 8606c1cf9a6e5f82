"""Warranty check by serial number: product, purchase date, warranty end, days left. No personal data."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import FormResult, GuardedFormValidation, Message
from bot.aftersales import WarrantyStatus, warranty_status
from bot.formatting import beijing_today, format_date
from bot.identifiers import normalize_identifier
from bot.store.db import transaction
from bot.store.models import Device

def validate_serial(value: Any, dispatcher: CollectingDispatcher) -> Optional[Text]:
    """The canonical serial number if it is well-formed and registered; otherwise tell the customer."""
    serial = normalize_identifier("serial_number", value)
    if serial is None:
        dispatcher.utter_message(response="utter_invalid_serial_number")
        return None
    with transaction() as session:
        if session.get(Device, serial) is None:
            dispatcher.utter_message(response="utter_device_not_found", serial_number=serial)
            return None
    return serial


def warranty_terms(status: WarrantyStatus) -> Text:
    terms = f"{status.months} 个月"
    if status.extended_months:
        terms += f" + 延保 {status.extended_months} 个月"
    return terms


def warranty_verdict(status: WarrantyStatus) -> Text:
    if status.in_warranty:
        return f"✅ 在保修期内，还剩 {status.days_left} 天。如有质量问题可免费维修。"
    return "❌ 已过保修期。您仍可申请付费维修，我们会先检测并报价，经您确认后再维修。"


class WarrantyResult(FormResult):
    """The device's warranty, shown by the form's validation on the turn a registered serial number is given."""

    form = "warranty_form"
    refuse_when_locked = False  # no personal data: not a look-up that identity checks protect
    keep_slots = True  # "申请维修" right after this needs the serial number

    def respond(self, session, tracker: Tracker) -> List[Message]:
        serial = tracker.get_slot("serial_number")
        device = session.get(Device, serial) if serial else None
        if device is None:
            return []
        status = warranty_status(device, beijing_today())
        return [{
            "response": "utter_warranty_details",
            "product_name": device.product.name,
            "serial_number": device.serial_number,
            "purchase_date": format_date(status.purchase_date),
            "warranty_terms": warranty_terms(status),
            "ends_on": format_date(status.ends_on),
            "verdict": warranty_verdict(status),
        }]


class ValidateWarrantyForm(GuardedFormValidation):
    def name(self) -> Text:
        return "validate_warranty_form"

    shows = WarrantyResult()

    def validate_serial_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return {"serial_number": validate_serial(value, dispatcher)}
