"""Words that send a conversation to a person at once (HANDOFF_KEYWORDS: 12315, 律师, …), for NLU and actions."""

from __future__ import annotations

from typing import Iterable, List, Optional

from bot.core.settings import settings


def transfer_keywords() -> List[str]:
    return settings().transfer_keywords


def wants_person_now(text: Optional[str], keywords: Optional[Iterable[str]] = None) -> bool:
    text = text or ""
    return any(word in text for word in (transfer_keywords() if keywords is None else keywords))
