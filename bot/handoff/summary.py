"""What an agent needs at a glance when taking over a conversation."""

from __future__ import annotations

from typing import Any, Dict, List

from bot.identifiers import find_identifiers, mask_phone

LAST_MESSAGES = 6
_PRIVATE_SLOTS = {"phone_last4", "verified_phones", "verification_failures", "requested_slot"}


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


def build_summary(events: List[Dict[str, Any]], slots: Dict[str, Any]) -> Dict[str, Any]:
    """From the tracker's events and slots: intents seen, useful slots, identifiers mentioned, last messages.

    Phone numbers are masked, in the messages too; identity-check state is left out.
    """
    intents: List[str] = []
    identifiers: Dict[str, List[str]] = {}
    messages: List[Dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
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
    useful_slots = {
        name: (mask_phone(value) if name in ("phone", "contact_phone") and isinstance(value, str) else value)
        for name, value in slots.items()
        if value not in (None, [], "", False) and name not in _PRIVATE_SLOTS
    }
    return {
        "intents": intents,
        "slots": useful_slots,
        "identifiers": identifiers,
        "last_messages": messages[-LAST_MESSAGES:],
    }
