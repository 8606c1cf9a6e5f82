"""A verified phone belongs to the conversation that verified it, and for a limited time.

The slot `verified_phones` holds entries `{"phone", "conversation", "until"}`: a phone counts only in the
conversation (and so the channel identity) that proved it, until `until` (TP_VERIFIED_PHONE_HOURS after the
check). Entries of an older format (bare phone numbers) count for nothing: the customer verifies again.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from bot.core.settings import settings

SLOT = "verified_phones"


def _entries(value: Any) -> List[Dict[str, Any]]:
    return [entry for entry in (value or []) if isinstance(entry, dict) and "phone" in entry]


def verified_phones(value: Any, conversation: str, now: Optional[float] = None) -> List[str]:
    """The phones still verified for `conversation`, from the slot's value."""
    moment = now or time.time()
    return [entry["phone"] for entry in _entries(value)
            if entry.get("conversation") == conversation and float(entry.get("until") or 0) > moment]


def with_verified(value: Any, phone: str, conversation: str, now: Optional[float] = None) -> List[Dict[str, Any]]:
    """The slot's new value once `phone` was verified in `conversation`; expired and foreign entries dropped."""
    moment = now or time.time()
    until = moment + settings().tp_verified_phone_hours * 3600
    kept = [entry for entry in _entries(value) if entry["phone"] != phone
            and entry.get("conversation") == conversation and float(entry.get("until") or 0) > moment]
    return kept + [{"phone": phone, "conversation": conversation, "until": int(until)}]
