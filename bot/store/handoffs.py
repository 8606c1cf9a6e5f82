"""Reading a conversation's hand-off state: what channels, the gate and the actions ask before acting.

The queue's changes (claim, close, transfer) are the hand-off's own (`bot.handoff.tickets`); these look-ups are
here, beside the records, so that a channel can ask them without depending on the hand-off.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, NamedTuple, Optional

from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.store.db import get_engine, transaction
from bot.store.models import HandoffTicket

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("waiting", "assigned")


def _newest_ticket(session: Session, conversation_id: str, *conditions: Any) -> Optional[HandoffTicket]:
    query = select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id, *conditions)
    return session.execute(query.order_by(HandoffTicket.id.desc())).scalars().first()


def open_ticket_for(session: Session, conversation_id: str) -> Optional[HandoffTicket]:
    return _newest_ticket(session, conversation_id, HandoffTicket.status.in_(OPEN_STATUSES))


class TicketState(NamedTuple):
    """What the gate reads of a conversation's newest ticket on every message."""

    id: int
    status: str
    channel: str
    acknowledged_at: Optional[datetime.datetime]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


_table = HandoffTicket.__table__
_NEWEST_STATE = (
    select(_table.c.id, _table.c.status, _table.c.channel, _table.c.acknowledged_at)
    .where(_table.c.conversation_id == bindparam("conversation_id"))
    .order_by(_table.c.id.desc())
    .limit(1)
)


def latest_ticket_state(conversation_id: str) -> Optional[TicketState]:
    """The newest ticket's state in one prebuilt Core query (asked for every customer message, so no ORM
    session or object: under load the ORM version was a tenth of the Rasa process's time). Raises
    SQLAlchemyError when the database cannot answer."""
    with get_engine().connect() as connection:
        row = connection.execute(_NEWEST_STATE, {"conversation_id": conversation_id}).first()
    return None if row is None else TicketState(*row)


def has_open_ticket(conversation_id: str, if_unknown: bool) -> bool:
    """Whether a person owns (or will own) the conversation, in a transaction of its own; `if_unknown` when the
    database cannot say (the caller picks the safe side)."""
    try:
        with transaction() as session:
            return open_ticket_for(session, conversation_id) is not None
    except SQLAlchemyError as error:
        logger.error("conversation %s: hand-off state unavailable: %s", conversation_id, error)
        return if_unknown
