"""Reading a conversation's hand-off state: what channels, the gate and the actions ask before acting.

The queue's changes (claim, close, transfer) are the hand-off's own (`bot.handoff.tickets`); these look-ups are
here, beside the records, so that a channel can ask them without depending on the hand-off.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.store.db import transaction
from bot.store.models import HandoffTicket

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("waiting", "assigned")


def _newest_ticket(session: Session, conversation_id: str, *conditions: Any) -> Optional[HandoffTicket]:
    query = select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id, *conditions)
    return session.execute(query.order_by(HandoffTicket.id.desc())).scalars().first()


def open_ticket_for(session: Session, conversation_id: str) -> Optional[HandoffTicket]:
    return _newest_ticket(session, conversation_id, HandoffTicket.status.in_(OPEN_STATUSES))


def latest_ticket_for(session: Session, conversation_id: str) -> Optional[HandoffTicket]:
    """The conversation's most recent ticket, whatever its status; None when it was never handed off."""
    return _newest_ticket(session, conversation_id)


def has_open_ticket(conversation_id: str, if_unknown: bool) -> bool:
    """Whether a person owns (or will own) the conversation, in a transaction of its own; `if_unknown` when the
    database cannot say (the caller picks the safe side)."""
    try:
        with transaction() as session:
            return open_ticket_for(session, conversation_id) is not None
    except SQLAlchemyError as error:
        logger.error("conversation %s: hand-off state unavailable: %s", conversation_id, error)
        return if_unknown
