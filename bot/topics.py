"""What a customer's question is about, and the task an identifier continues from it.

Shared by the Rasa-side reading of a message (`bot.reading`: "退货几天 TP202611050017" starts the return) and the
action that routes a bare identifier (`bot.actions.context`: "TP202611050017" after the return article), so both
agree on one table.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Tuple

# A turn's intent, or its FAQ entry -> the task an identifier given with it, or after it, continues.
TOPIC_OF: Dict[Text, Text] = {
    "check_order_status": "check_order_status",
    "faq/item_not_received": "check_order_status",
    "faq/refund_method": "check_order_status",
    "faq/payment_failed": "check_order_status",
    "faq/change_account_info": "check_order_status",
    "request_return": "request_return",
    "faq/return_policy": "request_return",
    "faq/return_process": "request_return",
    "faq/wrong_item": "request_return",
    "check_warranty": "check_warranty",
    "faq/warranty_period": "check_warranty",
    "faq/warranty_coverage": "check_warranty",
    "faq/warranty_exclusions": "check_warranty",
    "faq/warranty_proof": "check_warranty",
    "faq/warranty_claim": "check_warranty",
    "faq/extended_warranty": "check_warranty",
    "request_repair": "request_repair",
    "faq/repair_process": "request_repair",
    "faq/repair_shipping": "request_repair",
    "check_repair_status": "check_repair_status",
}

# Identifiers whose look-up asks for the phone's last 4 digits: a bare tail after one of them continues it, and a
# look-up without a number continues the one the last turns named.
TAIL_CHECKED = ("order_id", "repair_id")

# identifier slot -> (tasks it can continue, the task when the topic is none of them)
TASKS_FOR: Dict[Text, Tuple[Tuple[Text, ...], Text]] = {
    "order_id": (("check_order_status", "request_return"), "check_order_status"),
    "serial_number": (("check_warranty", "request_repair"), "check_warranty"),
    "repair_id": (("check_repair_status",), "check_repair_status"),
}


def label(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The turn's intent, or `faq/<entry>` for an FAQ question."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == "faq":
        selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return selected.get("intent_response_key") or intent
    return intent


def task_for(topic_label: Optional[Text], identifier_slot: Text) -> Optional[Text]:
    """The task an identifier of this kind continues after a turn labelled `topic_label`, if it continues one."""
    topic = TOPIC_OF.get(topic_label or "")
    return topic if topic in TASKS_FOR.get(identifier_slot, ((), ""))[0] else None
