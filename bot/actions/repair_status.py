"""Repair status: ticket → identity check → status, history, estimated completion, return shipment."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import FormResult, IdentityCheckedForm, Message, is_verified
from bot.actions.labels import REPAIR_STATUS
from bot.formatting import beijing_today, format_date, format_datetime
from bot.identifiers import normalize_identifier
from bot.store.db import transaction
from bot.store.models import FINISHED_REPAIR_STATUSES, Repair

def repair_phone(repair_id: Text) -> Optional[Text]:
    with transaction() as session:
        repair = session.get(Repair, repair_id)
        return repair.customer.phone if repair else None


def days_overdue(repair: Repair, today: Optional[date] = None) -> int:
    """Days past the estimated completion of a repair still in progress (0 when on time or done)."""
    if not repair.estimated_done or repair.status in FINISHED_REPAIR_STATUSES:
        return 0
    return max(0, ((today or beijing_today()) - repair.estimated_done).days)


def repair_details(repair: Repair) -> Dict[Text, Text]:
    estimate = ""
    if repair.estimated_done and repair.status not in FINISHED_REPAIR_STATUSES:
        estimate = f"预计完成：{format_date(repair.estimated_done)}\n"
    shipping = ""
    if repair.return_carrier and repair.return_tracking_no:
        shipping = f"\n寄回物流：{repair.return_carrier}，运单号 {repair.return_tracking_no}"
    history = "\n".join(f"· {format_datetime(event.at)} {REPAIR_STATUS[event.status]}" for event in repair.history)
    return {
        "repair_id": repair.repair_id,
        "product_name": repair.device.product.name,
        "fault": repair.fault,
        "status": REPAIR_STATUS[repair.status],
        "estimate": estimate,
        "history": history,
        "shipping": shipping,
    }


class RepairStatusResult(FormResult):
    """The repair's status and history (and an overdue promise said), shown by the form's validation."""

    form = "repair_status_form"
    record_slot = "repair_id"

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return repair_phone(record_id)

    def respond(self, session, tracker: Tracker) -> List[Message]:
        repair_id = tracker.get_slot("repair_id")
        repair = session.get(Repair, repair_id) if repair_id else None
        if repair is None or not is_verified(tracker, repair.customer.phone):
            return []
        messages: List[Message] = [{"response": "utter_repair_details", **repair_details(repair)}]
        late = days_overdue(repair)
        if late:  # a broken promise is said, with an apology and a person to chase it
            messages.append({"response": "utter_repair_overdue", "estimate": format_date(repair.estimated_done),
                             "days": str(late)})
        return messages


class ValidateRepairStatusForm(IdentityCheckedForm):
    record_slot = "repair_id"

    def name(self) -> Text:
        return "validate_repair_status_form"

    shows = RepairStatusResult()

    def record_phone(self, record_id: Text) -> Optional[Text]:
        return repair_phone(record_id)

    async def extract_repair_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        return self.earlier_record(tracker)

    def validate_repair_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        repair_id = normalize_identifier("repair_id", value)
        if repair_id is None:
            dispatcher.utter_message(response="utter_invalid_repair_id")
            return {"repair_id": None}
        if repair_phone(repair_id) is None:
            dispatcher.utter_message(response="utter_repair_not_found", repair_id=repair_id)
            return {"repair_id": None}
        return self.record_chosen(repair_id, dispatcher, tracker, domain)
