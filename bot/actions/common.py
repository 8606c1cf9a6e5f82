"""What the business-task actions share: identity checks, database faults, slot resets."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from sqlalchemy.exc import SQLAlchemyError

from bot.actions.context import earlier_identifier, identifiers_in
from bot.core.identity import VERIFIED_PHONE
from bot.core.settings import settings
from bot.core.verification import verified_phones, with_verified
from bot.identifiers import fold_width, labelled_phone_tail, normalize_identifier
from bot.reading import UPSET_KEY
from bot.store.attempts import count_recent, count_recent_by_scope, record_failure
from bot.store.db import reading, transaction

logger = logging.getLogger(__name__)

VERIFIED_PHONES = "verified_phones"
FAILURES = "verification_failures"
LOCKED = "lookups_locked"

# Slots each form fills, cleared when its task is done or stopped so that the next request starts afresh.
FORM_SLOTS: Dict[Text, List[Text]] = {
    "order_status_form": ["order_id", "phone_last4"],
    "warranty_form": ["serial_number"],
    "repair_status_form": ["repair_id", "phone_last4"],
    "repair_request_form": ["serial_number", "fault_description", "contact_phone", "repair_confirmed"],
    "return_form": ["order_id", "phone_last4", "return_kind", "return_reason"],
    "complaint_form": ["complaint_description", "complaint_order", "contact_phone", "order_id"],
}
MIN_DESCRIPTION_LENGTH = 4


# --- off the event loop ----------------------------------------------------------------------------

_worker = threading.local()


def _worker_loop() -> asyncio.AbstractEventLoop:
    """This worker thread's event loop, made once and kept: a new loop per run (`asyncio.run`) costs a socket
    pair and a selector each time, 0.3 ms of every action call."""
    loop = getattr(_worker, "loop", None)
    if loop is None or loop.is_closed():
        loop = _worker.loop = asyncio.new_event_loop()
    return loop


def _in_worker(run: Callable[..., Awaitable[List[EventType]]]) -> Callable[..., Awaitable[List[EventType]]]:
    @functools.wraps(run)
    async def wrapped(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: Dict[Text, Any]) -> List[EventType]:
        if getattr(_worker, "active", False):  # already in a worker (a subclass's run called its parent's)
            return await run(self, dispatcher, tracker, domain)

        def in_thread() -> List[EventType]:
            _worker.active, _worker.memo = True, {}
            try:
                return _worker_loop().run_until_complete(run(self, dispatcher, tracker, domain))
            finally:
                _worker.active, _worker.memo = False, None

        return await asyncio.to_thread(in_thread)

    wrapped.off_event_loop = True  # type: ignore[attr-defined]
    return wrapped


def once_per_run(key: Tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """`compute()`, remembered for the rest of this action run (rasa_sdk asks a form's required_slots three times
    a run, each asking the database the same questions); computed afresh outside a run."""
    memo = getattr(_worker, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget_run_memo() -> None:
    memo = getattr(_worker, "memo", None)
    if memo:
        memo.clear()


class OffEventLoop:
    """Every `run` of a subclass runs in a worker thread with an event loop of its own.

    The actions' database work (SQLAlchemy, synchronous) would otherwise run on the action server's event loop
    and stall every other conversation for each round trip.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "off_event_loop", False):
            cls.run = _in_worker(run)


class ThreadedAction(OffEventLoop, Action, ABC):
    """A rasa_sdk Action whose `run` is off the event loop (see OffEventLoop). Abstract: not registered."""

    @abstractmethod
    def name(self) -> Text:
        """action_<task>"""


def max_attempts() -> int:
    """Failed identity checks allowed per conversation and per record before look-ups are locked."""
    return settings().tp_verification_attempts


def _window() -> timedelta:
    return timedelta(hours=settings().tp_verification_window_hours)


def reset_slots(form: Text) -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS.get(form, [])]


# --- identity -------------------------------------------------------------------------------------


def channel_verified_phone(tracker: Tracker) -> Optional[Text]:
    """The phone the customer's channel vouches for in this message (the website's signed identity)."""
    return ((tracker.latest_message or {}).get("metadata") or {}).get(VERIFIED_PHONE)


def verified_phone_list(tracker: Tracker) -> List[Text]:
    """The phones this conversation verified and that have not expired (bot.core.verification)."""
    return verified_phones(tracker.get_slot(VERIFIED_PHONES), tracker.sender_id)


def is_verified(tracker: Tracker, phone: Text) -> bool:
    return phone in verified_phone_list(tracker) or phone == channel_verified_phone(tracker)


def _failure_keys(tracker: Tracker, record_phone: Optional[Text]) -> List[Tuple[Text, Text]]:
    """What a failed check is counted against: the conversation, and the phone of the record it was about, so
    that neither `/restart`, a new session nor a new conversation resets the count."""
    keys = [("verify-conversation", tracker.sender_id)]
    if record_phone:
        keys.append(("verify-phone", record_phone))
    return keys


def _limits() -> Dict[Text, int]:
    return {"verify-conversation": max_attempts(), "verify-phone": settings().tp_verification_record_attempts}


def failures_so_far(tracker: Tracker, record_phone: Optional[Text] = None) -> Dict[Text, int]:
    """Failed checks in the window, per scope (the conversation; the record's phone), in one query."""
    keys = _failure_keys(tracker, record_phone)

    def count() -> Dict[Text, int]:
        with reading() as connection:
            return count_recent_by_scope(connection, keys, _window())

    return once_per_run(("failures", *keys), count)


def _over_limit(failures: Dict[Text, int]) -> bool:
    return any(count >= _limits()[scope] for scope, count in failures.items())


def is_locked(tracker: Tracker, record_phone: Optional[Text] = None) -> bool:
    """Look-ups stop after too many failed checks, in this conversation or against this record's phone."""
    if tracker.get_slot(LOCKED):
        return True
    try:
        return _over_limit(failures_so_far(tracker, record_phone))
    except SQLAlchemyError as error:
        logger.error("conversation %s: failed checks unavailable (%s); look-ups locked", tracker.sender_id, error)
        return True


def verified_events(tracker: Tracker, phone: Text) -> Dict[Text, Any]:
    return {VERIFIED_PHONES: with_verified(tracker.get_slot(VERIFIED_PHONES), phone, tracker.sender_id)}


def failed_events(tracker: Tracker, dispatcher: CollectingDispatcher, response: Text, slot: Text,
                  record_phone: Optional[Text] = None) -> Dict[Text, Any]:
    """Count a failed check (in the database); after the last allowed attempt, lock look-ups."""
    with transaction() as session:
        for scope, key in _failure_keys(tracker, record_phone):
            record_failure(session, scope, key)
    forget_run_memo()
    counts = failures_so_far(tracker, record_phone)
    failures = counts["verify-conversation"]
    logger.warning("conversation %s: identity check failed (%d/%d in the conversation, %d/%d on the record)",
                   tracker.sender_id, failures, max_attempts(), counts.get("verify-phone", 0),
                   settings().tp_verification_record_attempts)
    if _over_limit(counts):
        return {FAILURES: failures, LOCKED: True, slot: None}  # required_slots is then empty: the form ends
    left = min(limit - counts.get(scope, 0) for scope, limit in _limits().items() if scope in counts)
    dispatcher.utter_message(response=response, attempts_left=left)
    return {FAILURES: failures, slot: None}


def matches_phone(given: Optional[Text], phone: Text) -> Optional[bool]:
    """Whether `given` is the last 4 digits, or the whole, of `phone`; None when it is neither shape."""
    if given is None:
        return None
    full = normalize_identifier("phone", given)
    if full is not None:
        return full == phone
    digits = re.findall(r"\d+", fold_width(str(given)))
    if len(digits) == 1 and len(digits[0]) == 4:
        return digits[0] == phone[-4:]
    return None


# Intents that are never the answer to a free-text question: the form gives way to the rule for them.
_NOT_AN_ANSWER = {"deny", "request_human", "greet", "goodbye", "thank", "bot_challenge"}
_QUESTION = re.compile(r"[？?]|吗|怎么|什么|多久|多少|哪|几天|几年|是否|能不能|可不可以|有没有|如何")


def free_text_answer(tracker: Tracker, slot: Text) -> Dict[Text, Any]:
    """The customer's reply to a free-text question (fault, reason, complaint) as the value of `slot`.

    Replies such as "质量有问题" often look like knowledge-base questions to the classifier; only a reply that
    is also phrased as a question is left to the FAQ rule (the form then asks again).
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    intent = (message.get("intent") or {}).get("name")
    if not text or text.startswith("/") or intent in _NOT_AN_ANSWER:
        return {}
    if intent == "faq" and _QUESTION.search(text):
        return {}
    return {slot: text}


def validated_description(slot: Text, value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    """A free-text answer (fault, reason, complaint) long enough to act on; otherwise ask for more."""
    text = str(value or "").strip()
    if len(text) < MIN_DESCRIPTION_LENGTH:
        dispatcher.utter_message(response="utter_text_too_short")
        return {slot: None}
    return {slot: text}


# --- faults ---------------------------------------------------------------------------------------


def database_unavailable(dispatcher: CollectingDispatcher, tracker: Tracker, where: Text, error: Exception) -> None:
    """Log the cause for the operator; tell the customer politely, offering a person."""
    logger.error("conversation %s: database unavailable in %s: %s: %s",
                 tracker.sender_id, where, type(error).__name__, error)
    dispatcher.utter_message(response="utter_service_unavailable")


def said_this_turn(tracker: Tracker, response: Text) -> bool:
    """The bot already gave `response` since the customer's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            return True
    return False


def apologise_if_upset(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """An upset customer (`bot.reading.sounds_upset`) whose message starts a task hears an apology once before the
    task's first question (not on every answer to a question the form asked)."""
    if tracker.get_slot("requested_slot") is not None or not (tracker.latest_message or {}).get(UPSET_KEY):
        return
    if not said_this_turn(tracker, "utter_sorry_for_trouble"):
        dispatcher.utter_message(response="utter_sorry_for_trouble")


class GuardedFormValidation(OffEventLoop, FormValidationAction):
    """A form validation that answers a database fault with an apology instead of an error.

    Abstract (no `name`), so that the action server does not register it as an action of its own.
    """

    opens_with_apology = False  # the form's first question apologises already (complaints): no second apology
    # A look-up's result, shown by this validation on the turn that completes the form: one call of the action
    # server on that turn instead of two (the validation, then the result action), and the record read once.
    shows: Optional["FormResult"] = None

    @abstractmethod
    def name(self) -> Text:
        """validate_<form name>"""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if not self.opens_with_apology:
            apologise_if_upset(dispatcher, tracker)
        try:
            events = await super().run(dispatcher, tracker, domain)
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, self.name(), error)
            requested = tracker.get_slot("requested_slot")
            return [SlotSet(requested, None)] if requested else []
        if self.shows is not None and completes_form(events):
            events += self.shows.finish(dispatcher, tracker)  # the tracker holds the validated slots by now
        return events

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Optional[EventType]:
        """A look-up always says which slot comes next (None: complete), so that `run` knows when to show the
        record; rasa_sdk leaves that to Rasa when `required_slots` is the domain's list."""
        if self.shows is None:
            return await super().next_requested_slot(dispatcher, tracker, domain)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, next((slot for slot in required if tracker.slots.get(slot) is None), None))


def completes_form(events: List[EventType]) -> bool:
    """The validation's events end the form: their last `requested_slot` is None (Rasa's own test, `is_done`)."""
    requested = [event for event in events if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT]
    return bool(requested) and requested[-1].get("value") is None


class IdentityCheckedForm(GuardedFormValidation):
    """A form that shows a customer's own records: it asks for the phone's last 4 digits unless that phone
    was already verified in this conversation, and locks look-ups after too many failed attempts."""

    record_slot: Text = ""

    @abstractmethod
    def record_phone(self, record_id: Text) -> Optional[Text]:
        """The phone number on the record, or None when there is no such record."""

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Text]:
        record_id = tracker.get_slot(self.record_slot)
        phone = once_per_run(("phone", self.record_slot, record_id), lambda: self.record_phone(record_id)) \
            if record_id else None
        if is_locked(tracker, phone):
            return []
        slots = list(domain_slots)
        if phone and "phone_last4" in slots and is_verified(tracker, phone):
            slots.remove("phone_last4")
        return slots

    def earlier_record(self, tracker: Tracker) -> Dict[Text, Any]:
        """For `extract_<record slot>`: a look-up that starts without its number ("快递单号多少" after the card) is
        about the record of this kind named in the last few turns, if one was."""
        starting = not tracker.get_slot(self.record_slot) and tracker.get_slot("requested_slot") is None
        if not starting or identifiers_in(tracker.latest_message or {}):
            return {}
        earlier = earlier_identifier(tracker.events).get(self.record_slot)
        return {self.record_slot: earlier} if earlier else {}

    def record_chosen(self, record_id: Optional[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A newly given record needs its own check, unless the message named the phone tail with it
        ("TP202611190078 手机尾号5678 怎么还不发货"): then the tail is checked at once instead of asked for."""
        tail = labelled_phone_tail((tracker.latest_message or {}).get("text")) if record_id else None
        if tail is None:
            return {self.record_slot: record_id, "phone_last4": None}
        tracker.slots[self.record_slot] = record_id  # the check reads the record being validated
        return {self.record_slot: record_id, **self.validate_phone_last4(tail, dispatcher, tracker, domain)}

    def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        record_id = tracker.get_slot(self.record_slot)
        phone = once_per_run(("phone", self.record_slot, record_id), lambda: self.record_phone(record_id)) \
            if record_id else None
        if phone is None:
            return {"phone_last4": None}
        match = matches_phone(value, phone)
        if match is None:
            dispatcher.utter_message(response="utter_invalid_phone_last4")
            return {"phone_last4": None}
        if not match:
            return failed_events(tracker, dispatcher, "utter_verification_failed", "phone_last4", phone)
        # Keep only the fact that the check passed, not the digits.
        return {"phone_last4": "verified", **verified_events(tracker, phone)}


def locked_response(dispatcher: CollectingDispatcher, tracker: Tracker, phone: Optional[Text]) -> List[EventType]:
    """After too many failed checks a person verifies the customer: hand over, but open one such ticket per
    conversation and per record's phone within the window, so that failed guesses cannot flood the queue."""
    keys = _failure_keys(tracker, phone)
    with transaction() as session:
        if any(count_recent(session, "verify-ticket", key, _window()) for _, key in keys):
            logger.info("conversation %s: look-ups locked, a person was already asked to verify", tracker.sender_id)
            dispatcher.utter_message(response="utter_lookups_still_locked")
            return [SlotSet(LOCKED, True)]
        for _, key in keys:
            record_failure(session, "verify-ticket", key)
    dispatcher.utter_message(response="utter_lookups_locked")
    return [SlotSet(LOCKED, True), FollowupAction("action_handoff")]


Message = Dict[Text, Any]  # keyword arguments of `dispatcher.utter_message`


class FormResult(ABC):
    """What a complete form produces: a record shown or a request filed.

    `respond` works in one database transaction and returns the messages for the customer; they are sent only
    after the transaction has committed, so nothing is confirmed that was not stored. A database fault gets an
    apology and the offer of a person. The form's slots are cleared so that the next request starts afresh.
    A look-up's result is produced by its form's validation (`GuardedFormValidation.shows`), a filing's by an
    action of its own (`FormResultAction`).
    """

    form: Text = ""
    refuse_when_locked = True  # look-ups and filings for this conversation stop after too many failed checks
    keep_slots = False
    record_slot: Text = ""  # the slot naming the record shown (its phone's failed checks count too)
    reads_only = False  # True: `respond` gets a plain connection (`reading`), not an ORM session

    def record_phone(self, record_id: Text) -> Optional[Text]:
        """The phone on the record in `record_slot`; None when there is none (or no record_slot)."""
        return None

    @abstractmethod
    def respond(self, session: Any, tracker: Tracker) -> List[Message]:
        """The messages to send, computed (and anything written) in `session` (a connection if `reads_only`)."""

    def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Send the result of the complete form in `tracker`; the events clear the form's slots."""
        done = [] if self.keep_slots else reset_slots(self.form)
        try:
            record_id = tracker.get_slot(self.record_slot) if self.record_slot else None
            phone = once_per_run(("phone", self.record_slot, record_id), lambda: self.record_phone(record_id)) \
                if record_id else None
            if self.refuse_when_locked and is_locked(tracker, phone):
                return done + locked_response(dispatcher, tracker, phone)
            with (reading() if self.reads_only else transaction()) as session:
                messages = self.respond(session, tracker)
        except SQLAlchemyError as error:
            database_unavailable(dispatcher, tracker, type(self).__name__, error)
            return done
        for message in messages:
            dispatcher.utter_message(**message)
        return done


class FormResultAction(FormResult, ThreadedAction):
    """A form's result as the action the form's "finish" rule runs (filings: a separate step after the form)."""

    @abstractmethod
    def name(self) -> Text:
        """action_submit_<task>"""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return self.finish(dispatcher, tracker)
