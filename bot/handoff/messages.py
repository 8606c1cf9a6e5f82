"""Messages left (留言): hand-off tickets opened out of hours or with no agent online.

They are not part of the live queue (nobody is waiting in a chat window, so they must not inflate the wait told
to live customers); agents work them from a call-back list: to call → called (a note of what was said) → closed.
An agent may also take one into a chat (`tickets.claim`) when the customer is back online.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.formatting import BEIJING
from bot.handoff.tickets import TicketError
from bot.store.models import CALLBACK_STATUSES, HandoffTicket

MAX_NOTE_LENGTH = 500
_WAITING_MESSAGE = (HandoffTicket.status == "waiting", HandoffTicket.leave_message == 1)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def messages_left(session: Session, callback_status: Optional[str] = None) -> List[HandoffTicket]:
    """Open messages left, oldest first; only those `callback_status` when given."""
    query = select(HandoffTicket).where(*_WAITING_MESSAGE)
    if callback_status is not None:
        query = query.where(HandoffTicket.callback_status == callback_status)
    return list(session.execute(query.order_by(HandoffTicket.id)).scalars())


def counts(session: Session) -> Dict[str, int]:
    """How many open messages left are in each call-back status (every status named, 0 when none)."""
    rows = session.execute(
        select(HandoffTicket.callback_status, func.count()).where(*_WAITING_MESSAGE)
        .group_by(HandoffTicket.callback_status)
    ).all()
    found = {status: count for status, count in rows}
    return {status: found.get(status, 0) for status in CALLBACK_STATUSES}


def _noted(previous: Optional[str], note: str, agent_name: str, now: datetime) -> Optional[str]:
    """The ticket's notes with this one appended as "MM-DD HH:MM 姓名：…" (Beijing time)."""
    note = note.strip()
    if not note:
        return previous
    if len(note) > MAX_NOTE_LENGTH:
        raise TicketError(f"备注不能超过 {MAX_NOTE_LENGTH} 字")
    line = f"{now.astimezone(BEIJING):%m-%d %H:%M} {agent_name}：{note}"
    return f"{previous}\n{line}" if previous else line


def set_callback_status(session: Session, ticket_id: int, status: str, agent_id: int, agent_name: str,
                        note: str = "") -> None:
    """Mark an open message left as called (or to call again), with an optional note; TicketError when the
    ticket is not an open message left or the status is unknown."""
    if status not in CALLBACK_STATUSES:
        raise TicketError("未知的回电状态")
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None or ticket.status != "waiting" or not ticket.leave_message:
        raise TicketError("这条留言已被处理或已接入会话")
    now = _now()
    values = {"callback_status": status, "callback_note": _noted(ticket.callback_note, note, agent_name, now)}
    if status == "called":
        values.update(called_at=now, called_by=agent_id)
    _change(session, ticket_id, ticket.callback_note, values)


def close_message(session: Session, ticket_id: int, agent_id: int, agent_name: str, note: str = "") -> None:
    """Close an open message left as resolved by this agent (the customer is then asked for a rating, as after
    a chat); TicketError when it is no longer an open message left."""
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None or ticket.status != "waiting" or not ticket.leave_message:
        raise TicketError("这条留言已被处理或已接入会话")
    now = _now()
    _change(session, ticket_id, ticket.callback_note, {"status": "closed", "closed_at": now, "close_reason": "resolved",
                                 "agent_id": agent_id,
                                 "callback_note": _noted(ticket.callback_note, note, agent_name, now)})


def _change(session: Session, ticket_id: int, notes_read: Optional[str], values: Dict[str, object]) -> None:
    """A conditional UPDATE: refused when another agent closed, claimed or noted the message meanwhile (so that
    no note is overwritten)."""
    same_notes = (HandoffTicket.callback_note.is_(None) if notes_read is None
                  else HandoffTicket.callback_note == notes_read)
    statement = (
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, same_notes, *_WAITING_MESSAGE)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).rowcount != 1:
        raise TicketError("这条留言已被处理或已接入会话")
    session.expire_all()
