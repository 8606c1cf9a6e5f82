"""The hand-off queue: a ticket is waiting, then assigned to exactly one agent, then closed.

Every change is a conditional UPDATE on the ticket's current status, so that two agents claiming the same
ticket at the same moment cannot both get it, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.core.settings import settings
from bot.handoff.summary import preview
from bot.store.handoffs import OPEN_STATUSES as OPEN_STATUSES  # noqa: F401 - the queue's open statuses
from bot.store.handoffs import open_ticket_for
from bot.store.models import HandoffTicket

logger = logging.getLogger(__name__)

class TicketError(ValueError):
    """A change that the ticket's current state does not allow."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def open_ticket(
    session: Session,
    conversation_id: str,
    channel: str,
    reason: str,
    summary: Dict[str, Any],
    customer_name: Optional[str] = None,
    masked_phone: Optional[str] = None,
    leave_message: bool = False,
    last_customer_text: Optional[str] = None,
) -> HandoffTicket:
    """A waiting ticket for the conversation; the existing one if it already has an open ticket.
    `last_customer_text`: what the customer said last that tells what it is about (the preview in the lists)."""
    existing = open_ticket_for(session, conversation_id)
    if existing is not None:
        return existing
    ticket = HandoffTicket(
        conversation_id=conversation_id,
        channel=channel,
        reason=reason,
        summary=json.dumps(summary, ensure_ascii=False),
        customer_name=customer_name,
        masked_phone=masked_phone,
        leave_message=int(leave_message),
        callback_status="to_call" if leave_message else None,
        status="waiting",
        created_at=_now(),
        last_customer_text=preview(last_customer_text) if last_customer_text else None,
    )
    session.add(ticket)
    session.flush()
    return ticket


_LIVE = (HandoffTicket.status == "waiting", HandoffTicket.leave_message == 0)
HANDLING_SAMPLE = 20  # the latest conversations agents closed, for the time one takes
HANDLING_WINDOW = timedelta(days=7)
HANDLING_MIN_SAMPLE = 3  # fewer than this: the configured minutes per conversation


def queue_position(session: Session, ticket: HandoffTicket) -> int:
    """1 for the oldest conversation waiting live; 0 when the ticket is not in the live queue (assigned, closed,
    or a message left, which is called back and never makes anyone wait)."""
    if ticket.status != "waiting" or ticket.leave_message:
        return 0
    ahead = session.execute(select(func.count()).where(*_LIVE, HandoffTicket.id < ticket.id)).scalar()
    return ahead + 1


def recent_handling_minutes(session: Session, now: Optional[datetime] = None) -> Optional[float]:
    """The median minutes from claim to close of the latest conversations agents resolved in the last week;
    None when there are too few to say."""
    since = (now or _now()) - HANDLING_WINDOW
    rows = session.execute(
        select(HandoffTicket.assigned_at, HandoffTicket.closed_at)
        .where(HandoffTicket.status == "closed", HandoffTicket.close_reason == "resolved",
               HandoffTicket.leave_message == 0, HandoffTicket.assigned_at.is_not(None),
               HandoffTicket.closed_at >= since)
        .order_by(HandoffTicket.closed_at.desc())
        .limit(HANDLING_SAMPLE)
    ).all()
    if len(rows) < HANDLING_MIN_SAMPLE:
        return None
    return statistics.median((closed - assigned).total_seconds() / 60 for assigned, closed in rows)


def expected_wait_minutes(position: int, agents_online: int, minutes_per_ticket: Optional[float] = None) -> int:
    """Position × minutes per conversation shared among agents online; the minutes are the agents' recent
    handling time when known (`recent_handling_minutes`), else HANDOFF_MINUTES_PER_TICKET (default 5)."""
    per_ticket = minutes_per_ticket if minutes_per_ticket else settings().handoff_minutes_per_ticket
    return max(1, math.ceil(position * per_ticket / max(1, agents_online)))


def waiting_queue(session: Session) -> List[HandoffTicket]:
    """Conversations waiting live for an agent, oldest first: the order agents should take them in. Messages
    left are not here but in `bot.handoff.messages`."""
    query = select(HandoffTicket).where(*_LIVE).order_by(HandoffTicket.id)
    return list(session.execute(query).scalars())


def _transition(session: Session, ticket_id: int, allowed: tuple, extra_where: list, values: Dict[str, Any]) -> bool:
    statement = (
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(allowed), *extra_where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = session.execute(statement).rowcount == 1
    session.expire_all()
    return changed


def claim(session: Session, ticket_id: int, agent_id: int) -> bool:
    """Assign a waiting ticket to the agent; False when another agent was first or it is no longer waiting."""
    now = _now()
    return _transition(session, ticket_id, ("waiting",), [],
                       {"status": "assigned", "agent_id": agent_id, "assigned_at": now, "last_agent_activity_at": now})


def touch(session: Session, ticket_id: int, agent_id: int) -> None:
    """Record agent activity (a reply) on the agent's own ticket."""
    if not _transition(session, ticket_id, ("assigned",), [HandoffTicket.agent_id == agent_id],
                       {"last_agent_activity_at": _now()}):
        raise TicketError("this conversation is not assigned to you")


def reassign(session: Session, ticket_id: int, from_agent_id: Optional[int], to_agent_id: int,
             now: Optional[datetime] = None) -> bool:
    """Move an assigned ticket from its agent to another (a transfer); False when it changed meanwhile. The time
    it was first claimed stays (handling time counts from there)."""
    return _transition(session, ticket_id, ("assigned",), [HandoffTicket.agent_id == from_agent_id],
                       {"agent_id": to_agent_id, "last_agent_activity_at": now or _now()})


def release(session: Session, ticket_id: int, agent_id: Optional[int] = None) -> bool:
    """Put an assigned ticket back in the queue (transfer, or agent idle); only its own agent unless None."""
    where = [] if agent_id is None else [HandoffTicket.agent_id == agent_id]
    return _transition(session, ticket_id, ("assigned",), where,
                       {"status": "waiting", "agent_id": None, "assigned_at": None, "last_agent_activity_at": None})


def close(session: Session, ticket_id: int, agent_id: int, allow_other_agents: bool = False) -> bool:
    """Close an assigned ticket; another agent's ticket only when allowed (e.g. a supervisor)."""
    where = [] if allow_other_agents else [HandoffTicket.agent_id == agent_id]
    return _transition(session, ticket_id, ("assigned",), where,
                       {"status": "closed", "closed_at": _now(), "close_reason": "resolved"})


def cancel(session: Session, conversation_id: str) -> bool:
    """The customer no longer wants to wait ("不用了"): close the conversation's waiting ticket."""
    ticket = open_ticket_for(session, conversation_id)
    if ticket is None or ticket.status != "waiting":
        return False
    return _transition(session, ticket.id, ("waiting",), [],
                       {"status": "closed", "closed_at": _now(), "close_reason": "cancelled_by_customer"})


def requeue_idle(session: Session, idle: timedelta, now: Optional[datetime] = None) -> List[int]:
    """Assigned tickets whose agent has been silent for `idle` go back to the queue; returns their ids."""
    cutoff = (now or _now()) - idle
    stale = session.execute(
        select(HandoffTicket.id).where(
            HandoffTicket.status == "assigned", HandoffTicket.last_agent_activity_at < cutoff
        )
    ).scalars().all()
    return [ticket_id for ticket_id in stale if release(session, ticket_id)]


def rate(session: Session, ticket_id: int, rating: int) -> None:
    if not 1 <= rating <= 5:
        raise TicketError("rating must be 1 to 5")
    if not _transition(session, ticket_id, ("closed",), [HandoffTicket.rating.is_(None)], {"rating": rating}):
        raise TicketError("only a closed, unrated ticket can be rated")


def acknowledge(session: Session, ticket_id: int) -> bool:
    """Mark the ticket's first waiting message as acknowledged; True only the first time."""
    return _transition(session, ticket_id, ("waiting",), [HandoffTicket.acknowledged_at.is_(None)],
                       {"acknowledged_at": _now()})


def record_customer_message(session: Session, ticket_id: int, text: str) -> bool:
    """A customer message arrived on the open ticket: counted (the agent's unread badge) and kept as the preview."""
    values: Dict[str, Any] = {"customer_messages": HandoffTicket.customer_messages + 1, "last_customer_at": _now()}
    if text and not text.startswith("/"):  # a button's payload is no preview
        values["last_customer_text"] = preview(text)
    return _transition(session, ticket_id, OPEN_STATUSES, [], values)


def mark_read(session: Session, ticket_id: int, agent_id: int) -> bool:
    """The assigned agent has seen every customer message of the ticket so far."""
    return _transition(session, ticket_id, ("assigned",), [HandoffTicket.agent_id == agent_id],
                       {"read_messages": HandoffTicket.customer_messages})


def agent_tickets(session: Session, agent_id: int) -> List[HandoffTicket]:
    """The conversations an agent is working on, oldest first."""
    query = select(HandoffTicket).where(HandoffTicket.status == "assigned", HandoffTicket.agent_id == agent_id)
    return list(session.execute(query.order_by(HandoffTicket.assigned_at)).scalars())


def ticket_to_rate(session: Session, conversation_id: str, within: timedelta = timedelta(days=1)) -> Optional[HandoffTicket]:
    """The conversation's latest ticket an agent closed within `within` that has no rating yet."""
    query = select(HandoffTicket).where(
        HandoffTicket.conversation_id == conversation_id,
        HandoffTicket.status == "closed",
        HandoffTicket.close_reason == "resolved",
        HandoffTicket.rating.is_(None),
        HandoffTicket.closed_at >= _now() - within,
    )
    return session.execute(query.order_by(HandoffTicket.closed_at.desc())).scalars().first()
