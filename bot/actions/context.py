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

from bot.identifiers import bare_tail
from bot.topics import TAIL_CHECKED, TASKS_FOR, TOPIC_OF, label

ASK_WHAT_FOR = "utter_ask_what_for"
LOOK_BACK_TURNS = 3  # customer turns before this one that can set the topic
def _earlier_user_turns(events: Iterable[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The customer turns before the latest that can set its context, newest first."""
    user_turns = [event for event in events if event.get("event") == "user"][:-1]
    return list(reversed(user_turns[-LOOK_BACK_TURNS:]))


def recent_topics(events: Iterable[Dict[Text, Any]]) -> List[Text]:
    """The tasks the customer turns before the latest were about, newest first (turns without a task skipped)."""
    topics = []
    for event in _earlier_user_turns(events):
        topic = TOPIC_OF.get(label(event.get("parse_data") or {}) or "")
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
    """Events that replace the latest message by the same message as a request for `task`, `slot` filled.

    Everything else the message's reading found (entities, the upset mark, the FAQ selection) is kept, so that
    an angry customer re-read as a look-up still hears the apology."""
    parse_data = copy.deepcopy(dict(message))
    parse_data["intent"] = {"name": task, "confidence": 1.0}
    parse_data["intent_ranking"] = [parse_data["intent"]]
    return [
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        UserUttered(message.get("text"), parse_data=parse_data, input_channel=message.get("input_channel")),
        SlotSet(slot, value),
    ]


def earlier_identifier(events: Iterable[Dict[Text, Any]]) -> Dict[Text, Text]:
    """The identifier of a tail-checked look-up named in the customer turns before the latest, newest first."""
    for event in _earlier_user_turns(events):
        found = {slot: value for slot, value in identifiers_in(event.get("parse_data") or {}).items()
                 if slot in TAIL_CHECKED}
        if found:
            return dict([next(iter(found.items()))])
    return {}


def route(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Continue the conversation's task with the message's identifier, or ask what the message is for.

    A bare phone tail right after an order or repair number that was not looked up ("TP… 这单取消了吗" misread,
    then "4567") continues that look-up with the tail as its check.
    """
    message = tracker.latest_message or {}
    topics = recent_topics(tracker.events)
    identifiers = identifiers_in(message)
    tail = None if identifiers else bare_tail(message.get("text"))
    if tail is not None:
        identifiers = earlier_identifier(tracker.events)
    routed = continued_task(identifiers, topics)
    if routed is None:
        dispatcher.utter_message(response=ASK_WHAT_FOR)
        return []
    events = reread_as(message, *routed)
    return events + [SlotSet("phone_last4", tail)] if tail is not None else events


class ActionRouteIdentifier(Action):
    """An identifier given outside a form: continue the task the conversation was about."""

    def name(self) -> Text:
        return "action_route_identifier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
                  ) -> List[EventType]:
        return route(dispatcher, tracker)
