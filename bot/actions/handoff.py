"""Handing a conversation to a person, and coming back to the bot afterwards.

The ticket in the business database is the truth about who owns a conversation; Rasa's paused flag follows it
(`ConversationPaused` here, `ConversationResumed` when the ticket is cancelled or closed, and again at every
new session: see `session.py`).

While paused, Rasa predicts nothing after an action, so the actions that run then end with `action_listen`
themselves: the tracker stays well-formed for the policies (and for `/restart`) when the bot resumes.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    ConversationResumed,
    EventType,
)
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.actions.common import (
    ThreadedAction,
    channel_verified_phone,
    database_unavailable,
    is_locked,
    is_verified,
    verified_phone_list,
)
from bot.actions.context import identifiers_in, route
from bot.actions.fallback import FALLBACK_INTENT, consecutive_misses
from bot.core.hours import WorkingHours
from bot.handoff.history import record_search_keys, search_keys
from bot.handoff.sessions import agents_online
from bot.core.escalation import wants_person_now
from bot.handoff.summary import build_summary
from bot.handoff.tickets import (
    TicketError,
    acknowledge,
    cancel,
    expected_wait_minutes,
    open_ticket,
    open_ticket_for,
    queue_position,
    recent_handling_minutes,
    rate,
    ticket_to_rate,
)
from bot.identifiers import fold_width, mask_phone
from bot.store.db import transaction
from bot.store.models import Customer

logger = logging.getLogger(__name__)

# Ascending, so that on channels that show buttons as numbered options (WeChat) option N is N points.
RATING_BUTTONS = [
    {"title": f"{score} 分{label}", "payload": f'/rate_service{{"rating":"{score}"}}'}
    for score, label in ((1, " 非常不满意"), (2, " 不满意"), (3, " 一般"), (4, " 满意"), (5, " 非常满意"))
]


def handoff_reason(tracker: Tracker) -> Text:
    """Why the customer goes to a person: keyword, fallback, complaint, verification or request."""
    message = tracker.latest_message or {}
    if wants_person_now(message.get("text")):
        return "keyword"
    if (message.get("intent") or {}).get("name") == FALLBACK_INTENT and consecutive_misses(tracker) >= 2:
        return "fallback"
    if _previous_action(tracker) == "action_submit_complaint":
        return "complaint"
    if is_locked(tracker):
        return "verification"
    return "request"


def _previous_action(tracker: Tracker) -> Optional[Text]:
    """The last action before the latest user message (what the customer was answering)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


def _customer_phone(tracker: Tracker) -> Optional[Text]:
    verified = verified_phone_list(tracker)
    return (verified[0] if verified else None) or channel_verified_phone(tracker) or tracker.get_slot("contact_phone")


def _customer_name(session: Any, tracker: Tracker, phone: Optional[Text]) -> Optional[Text]:
    """The name the channel gave (metadata) or, for a verified customer, the name on the records."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    name = metadata.get("customer_name") or metadata.get("name")
    if not name and phone and is_verified(tracker, phone):
        name = session.execute(select(Customer.name).where(Customer.phone == phone)).scalar()
    return str(name)[:100] if name else None


class ActionHandoff(ThreadedAction):
    """Open (or find) the conversation's ticket, tell the customer where they stand, and pause the bot."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        hours = WorkingHours.configured()
        in_hours = hours.is_open()
        reason = handoff_reason(tracker)
        phone = _customer_phone(tracker)
        try:
            with transaction() as session:
                online = agents_online(session)
                ticket = open_ticket(
                    session, tracker.sender_id, tracker.get_latest_input_channel() or "rest", reason,
                    build_summary(tracker.events, tracker.slots),
                    customer_name=_customer_name(session, tracker, phone),
                    masked_phone=mask_phone(phone) if phone else None,
                    leave_message=not in_hours or online == 0,
                    last_customer_text=_what_it_is_about(tracker),
                )
                record_search_keys(session, ticket.id, search_keys(_texts(tracker), [phone]))
                status, leave_message = ticket.status, bool(ticket.leave_message)
                position = queue_position(session, ticket)
                handling = recent_handling_minutes(session) if position else None
                ticket_id = ticket.id
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, self.name(), error)
            dispatcher.utter_message(response="utter_human_contact")
            return []
        logger.info("conversation %s: hand-off ticket %s (%s, %s)", tracker.sender_id, ticket_id, reason, status)
        if status == "assigned":
            dispatcher.utter_message(response="utter_handoff_with_agent")
        elif leave_message and not in_hours:
            dispatcher.utter_message(response="utter_handoff_out_of_hours", hours=hours.describe())
        elif leave_message:
            dispatcher.utter_message(response="utter_handoff_no_agent")
        else:
            dispatcher.utter_message(response="utter_handoff_queued", position=position,
                                     wait=expected_wait_minutes(position, online, handling))
        return [ConversationPaused(), _listen()]


def _texts(tracker: Tracker) -> List[Text]:
    """What the customer and the bot said so far: the identifiers in it make the ticket searchable."""
    return [event.get("text") or "" for event in tracker.events if event.get("event") in ("user", "bot")]


# Messages that ask for the person, not about the matter: not the conversation's preview when there is another.
_ABOUT_NOTHING = {"request_human", "affirm", "deny", "greet", "thank"}


def _what_it_is_about(tracker: Tracker) -> Optional[Text]:
    """The customer's latest message that says what the conversation is about ("我的订单 TP… 一直没到"), else
    the latest message at all ("转人工")."""
    said = [event for event in tracker.events if event.get("event") == "user" and event.get("text")
            and not event["text"].startswith("/")]
    for event in reversed(said):
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") not in _ABOUT_NOTHING:
            return event["text"]
    return said[-1]["text"] if said else None


def _listen() -> EventType:
    return ActionExecuted("action_listen")


def _resumed() -> List[EventType]:
    return [ConversationResumed(), _listen()]


class ActionHandoffCancel(ThreadedAction):
    """"不用了" while waiting: close the waiting ticket and give the conversation back to the bot."""

    def name(self) -> Text:
        return "action_handoff_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        try:
            with transaction() as session:
                cancelled = cancel(session, tracker.sender_id)
                still_open = open_ticket_for(session, tracker.sender_id) is not None
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, self.name(), error)
            return [_listen()]
        if cancelled or not still_open:
            dispatcher.utter_message(response="utter_handoff_cancelled")
            return _resumed()
        dispatcher.utter_message(response="utter_handoff_cancel_too_late")  # an agent claimed it meanwhile
        return [_listen()]


REMIND_AFTER_SECONDS = 60  # a waiting customer who writes again is told again, at most this often
_WAITING_NOTICES = ("utter_handoff_message_queued", "utter_handoff_message_left", "utter_handoff_still_waiting",
                    "utter_handoff_still_message_left")


def reminded_recently(tracker: Tracker, now: float, within: float = REMIND_AFTER_SECONDS) -> bool:
    """The bot told this waiting customer where they stand less than `within` seconds ago."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in _WAITING_NOTICES:
            return now - float(event.get("timestamp") or 0) < within
    return False


class ActionHandoffAcknowledge(ThreadedAction):
    """A message while waiting for a person that the bot does not answer itself: the first is acknowledged (out
    of hours: as a message left); a later one gets a reminder that it was received, at most once a minute (every
    time the customer asks for a person again), so that writing again is not met with silence for long."""

    def name(self) -> Text:
        return "action_handoff_acknowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        try:
            with transaction() as session:
                ticket = open_ticket_for(session, tracker.sender_id)
                if ticket is None:
                    return [_listen()]
                first = acknowledge(session, ticket.id)
                leave_message = bool(ticket.leave_message)
                position = queue_position(session, ticket)
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, self.name(), error)
            return [_listen()]
        asked_again = ((tracker.latest_message or {}).get("intent") or {}).get("name") == "request_human"
        if not first and not asked_again and reminded_recently(tracker, time.time()):
            return [_listen()]
        if leave_message:
            dispatcher.utter_message(response="utter_handoff_message_left" if first
                                     else "utter_handoff_still_message_left")
        else:
            dispatcher.utter_message(response="utter_handoff_message_queued" if first
                                     else "utter_handoff_still_waiting", position=position)
        return [_listen()]


class ActionHandoffResume(ThreadedAction):
    """Run by the console when the agent closes the ticket: the bot is back and asks for a rating."""

    def name(self) -> Text:
        return "action_handoff_resume"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_resumed")
        dispatcher.utter_message(response="utter_ask_service_rating", buttons=RATING_BUTTONS)
        return _resumed()


_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_WORDS = (("非常不满意", 1), ("很不满意", 1), ("不满意", 2), ("一般", 3), ("非常满意", 5), ("很满意", 5),
          ("满意", 4), ("好评", 5), ("差评", 1))


def parse_rating(value: Any) -> Optional[int]:
    """1–5 from a button payload or what the customer typed: "4", "4分", "五星", "非常满意"."""
    text = fold_width(str(value or "")).strip()
    digits = re.findall(r"\d+", text)
    if len(digits) == 1:
        return int(digits[0]) if 1 <= int(digits[0]) <= 5 else None
    match = re.search(r"([一二两三四五])\s*[分星颗]", text)
    if match:
        return _CHINESE_DIGITS[match.group(1)]
    for word, score in _WORDS:
        if word in text:
            return score
    return None


class ActionRateService(ThreadedAction):
    """Store the customer's 1–5 rating on the ticket an agent just closed."""

    def name(self) -> Text:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        message = tracker.latest_message or {}
        entity = next(tracker.get_latest_entity_values("rating"), None)
        rating = parse_rating(entity if entity is not None else message.get("text"))
        try:
            with transaction() as session:
                ticket = ticket_to_rate(session, tracker.sender_id)
                if ticket is not None and rating is not None:
                    rate(session, ticket.id, rating)
        except TicketError:
            ticket = None  # rated in the meantime (a double click)
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, self.name(), error)
            return []
        if ticket is None and (rating is None or identifiers_in(message)):
            return route(dispatcher, tracker)  # no rating was asked: a number is an identifier, not a score
        if rating is None:
            dispatcher.utter_message(response="utter_rating_invalid", buttons=RATING_BUTTONS)
            return []
        if ticket is None:
            dispatcher.utter_message(response="utter_rating_nothing_to_rate")
        elif rating <= 2:
            dispatcher.utter_message(response="utter_rating_sorry", rating=rating)
        else:
            dispatcher.utter_message(response="utter_rating_thanks", rating=rating)
        return []
