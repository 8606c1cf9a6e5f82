"""A message that only carries an identifier continues what the conversation was about.

Customers answer an article with just the number it asked for: "一直没收到货" → "TP202611050017" means "look this
order up"; after the return policy the same number means "I want to return it"; a serial number after a warranty
question means "is this one still covered". `action_route_identifier` (the rule for `inform` outside a form) finds
the topic of the last customer turns and re-reads the message as that task's request — the way Rasa's own two-stage
fallback replaces an intent: the message is reverted and given again with the task's intent and its identifier as a
slot, so the task's form starts with the identifier filled in (and validated). Without a topic an order number is
looked up, a serial number's warranty checked, a repair number's progress shown; anything else (a phone number, a
return number) gets the question what it is for.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUttered, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

ASK_WHAT_FOR = "utter_ask_what_for"
LOOK_BACK_TURNS = 3  # customer turns before this one that can set the topic

# What an earlier turn was about (its intent, or its FAQ entry) -> the task an identifier now continues.
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

# identifier slot -> (tasks it can continue, the task when the topic is none of them)
TASKS_FOR: Dict[Text, Tuple[Tuple[Text, ...], Text]] = {
    "order_id": (("check_order_status", "request_return"), "check_order_status"),
    "serial_number": (("check_warranty", "request_repair"), "check_warranty"),
    "repair_id": (("check_repair_status",), "check_repair_status"),
}


def _label(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The turn's intent, or `faq/<entry>` for an FAQ question."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == "faq":
        selected = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return selected.get("intent_response_key") or intent
    return intent


def recent_topics(events: Iterable[Dict[Text, Any]]) -> List[Text]:
    """The tasks the customer turns before the latest were about, newest first (turns without a task skipped)."""
    user_turns = [event for event in events if event.get("event") == "user"][:-1]
    topics = []
    for event in reversed(user_turns[-LOOK_BACK_TURNS:]):
        topic = TOPIC_OF.get(_label(event.get("parse_data") or {}) or "")
        if topic is not None:
            topics.append(topic)
    return topics


def continued_task(identifiers: Dict[Text, Text], topics: List[Text]) -> Optional[Tuple[Text, Text, Text]]:
    """(task intent, slot, value) the first identifier (`identifiers_in`) continues, or None when there is none."""
    for slot, value in identifiers.items():
        tasks, default = TASKS_FOR[slot]
        return next((topic for topic in topics if topic in tasks), default), slot, value
    return None


def identifiers_in(message: Dict[Text, Any]) -> Dict[Text, Text]:
    """The message's look-up identifiers by slot, in the order TASKS_FOR lists them."""
    found = {entity.get("entity"): entity.get("value") for entity in message.get("entities") or []}
    return {slot: str(found[slot]) for slot in TASKS_FOR if found.get(slot)}


def reread_as(message: Dict[Text, Any], task: Text, slot: Text, value: Text) -> List[EventType]:
    """Events that replace the latest message by the same message as a request for `task`, `slot` filled."""
    parse_data = copy.deepcopy({key: message.get(key) for key in ("text", "intent", "entities", "intent_ranking")})
    parse_data["intent"] = {"name": task, "confidence": 1.0}
    parse_data["intent_ranking"] = [parse_data["intent"]]
    return [
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        UserUttered(message.get("text"), parse_data=parse_data, input_channel=message.get("input_channel")),
        SlotSet(slot, value),
    ]


def route(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Continue the conversation's task with the message's identifier, or ask what the message is for."""
    message = tracker.latest_message or {}
    routed = continued_task(identifiers_in(message), recent_topics(tracker.events))
    if routed is None:
        dispatcher.utter_message(response=ASK_WHAT_FOR)
        return []
    return reread_as(message, *routed)


class ActionRouteIdentifier(Action):
    """An identifier given outside a form: continue the task the conversation was about."""

    def name(self) -> Text:
        return "action_route_identifier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
                  ) -> List[EventType]:
        return route(dispatcher, tracker)
