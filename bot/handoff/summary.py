"""What an agent needs at a glance when taking over a conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from bot.identifiers import find_identifiers, mask_phone

LAST_MESSAGES = 6


def _masked(kind: str, value: str) -> str:
    return mask_phone(value) if kind == "phone" else value


def mask_phones_in(text: str) -> str:
    """The text with every mobile number in it masked (138****8000)."""
    for match in reversed([m for m in find_identifiers(text) if m.kind == "phone"]):
        text = text[: match.start] + mask_phone(match.value) + text[match.end :]
    return text


PREVIEW_LENGTH = 60


def preview(text: str) -> str:
    """A customer message as the conversation's one-line preview in the agents' lists: phones masked, one line,
    cut to PREVIEW_LENGTH characters."""
    line = " ".join(mask_phones_in(text or "").split())
    return line if len(line) <= PREVIEW_LENGTH else line[: PREVIEW_LENGTH - 1] + "…"


# What the summary shows of the slots: what the customer gave (the verification's own state stays out).
SUMMARY_SLOTS = ("order_id", "serial_number", "repair_id", "phone", "contact_phone", "product", "fault_description",
                 "return_kind", "return_reason", "complaint_description", "complaint_order", "lookups_locked")
_PHONE_SLOTS = {"phone", "contact_phone"}
# Below this the classifier was unsure: the intent is left out rather than shown to the agent as a fact (a phone's
# last four digits read as a 1–5 rating at 0.74 was listed as "评价").
MIN_INTENT_CONFIDENCE = 0.8


def _answers(events: List[Dict[str, Any]]) -> Set[int]:
    """The indices of the customer's messages that filled the slot a form had asked for (the slot is set after the
    message, before the next one): answers to the bot's question, whatever the classifier made of them."""
    answered: Set[int] = set()
    requested: Optional[str] = None
    last_user: Optional[int] = None
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "user":
            last_user = index
        elif kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "slot" and requested and event.get("name") == requested and last_user is not None \
                and event.get("value") not in (None, ""):
            answered.add(last_user)
    return answered


def _intent_of(event: Dict[str, Any], answer: bool) -> Optional[str]:
    """The intent a message counts as: an answer to the bot's question is information given ("8000" asked as a
    phone's last digits is not a rating); an unsure reading counts as nothing."""
    if answer:
        return "inform"
    intent = (event.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    if confidence is not None and confidence < MIN_INTENT_CONFIDENCE:
        return None
    return intent.get("name")


def _shown(name: str, value: Any) -> Any:
    return mask_phone(value) if name in _PHONE_SLOTS and isinstance(value, str) else value


def build_summary(events: List[Dict[str, Any]], slots: Dict[str, Any]) -> Dict[str, Any]:
    """From the tracker's events and slots: intents seen, what the customer gave, identifiers mentioned, last
    messages.

    "What the customer gave" is every slot of SUMMARY_SLOTS filled at any point, with its latest value: a look-up
    form empties its slots once it has answered, and the agent still needs the order number it was about. Phone
    numbers are masked, in the messages too; identity-check state is left out.
    """
    intents: List[str] = []
    identifiers: Dict[str, List[str]] = {}
    messages: List[Dict[str, str]] = []
    filled: Dict[str, Any] = {}
    answers = _answers(events)
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "slot":
            if event.get("name") in SUMMARY_SLOTS and event.get("value") not in (None, [], "", False):
                filled[event["name"]] = event["value"]
        elif kind == "user":
            intent = _intent_of(event, index in answers)
            if intent and intent not in intents:
                intents.append(intent)
            for match in find_identifiers(event.get("text") or ""):
                values = identifiers.setdefault(match.kind, [])
                masked = _masked(match.kind, match.value)
                if masked not in values:
                    values.append(masked)
            messages.append({"from": "customer", "text": mask_phones_in(event.get("text") or "")})
        elif kind == "bot" and event.get("text"):
            messages.append({"from": "bot", "text": mask_phones_in(event["text"])})
    for name in SUMMARY_SLOTS:  # what is set now wins (a slot set without an event, e.g. by a test)
        if slots.get(name) not in (None, [], "", False):
            filled[name] = slots[name]
    if not slots.get("lookups_locked"):
        filled.pop("lookups_locked", None)  # locked once, unlocked since: not worth the agent's attention
    return {
        "intents": intents,
        "slots": {name: _shown(name, value) for name, value in filled.items()},
        "identifiers": identifiers,
        "last_messages": messages[-LAST_MESSAGES:],
    }
