"""Questions the bot could not answer (out of scope, not understood), kept for the knowledge team."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.core.settings import settings
from bot.store.db import transaction
from bot.store.models import UnansweredQuestion

logger = logging.getLogger(__name__)


def _guess(parse_data: Dict[str, Any]) -> tuple:
    """The classifier's best guess: the FAQ entry for `faq`, the intent otherwise, with its confidence in %."""
    intent = parse_data.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    ranking = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    if ranking and name in ("faq", "nlu_fallback", "out_of_scope"):
        name, confidence = ranking[0].get("intent_response_key"), ranking[0].get("confidence")
    return name, None if confidence is None else round(100 * float(confidence))


def record_unanswered(conversation_id: str, parse_data: Dict[str, Any], reason: str) -> Optional[int]:
    """Store the question; returns its id, or None when there is no text or the database is unavailable (logged:
    the customer's answer must not wait on the knowledge team's list)."""
    text = str(parse_data.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None  # a button payload, not a question
    intent, confidence = _guess(parse_data)
    try:
        with transaction() as session:
            question = UnansweredQuestion(conversation_id=conversation_id, reason=reason, confidence=confidence,
                                          text=text[:settings().tp_max_message_length],  # the channels' limit
                                          intent=(intent or "")[:80] or None)
            session.add(question)
            session.flush()
            return question.id
    except SQLAlchemyError as error:
        logger.error("conversation %s: unanswered question not recorded: %s", conversation_id, error)
        return None


def recent_unanswered(limit: int = 100) -> List[UnansweredQuestion]:
    with transaction() as session:
        rows = session.execute(select(UnansweredQuestion).order_by(UnansweredQuestion.id.desc()).limit(limit))
        questions = list(rows.scalars())
        for question in questions:
            session.expunge(question)
        return questions
