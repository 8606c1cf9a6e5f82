"""What agents write about a conversation for each other, never for the customer: internal notes (a transfer's
note among them) and tags ("退款", "待寄修", …) that history search finds."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Iterable, List

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.handoff.tickets import TicketError
from bot.store.models import HandoffTicket, TicketNote

MAX_NOTE_LENGTH = 500
MAX_NOTES = 200  # per ticket
MAX_TAGS = 8
MAX_TAG_LENGTH = 12
_TAG = re.compile(r"[^\s,，;；#]+")


def add_note(session: Session, ticket_id: int, agent_id: int, text: str) -> TicketNote:
    """An internal note on any ticket (a closed one included: what happened after it, e.g. a call)."""
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        raise TicketError(f"备注不能为空，且不超过 {MAX_NOTE_LENGTH} 字")
    if session.get(HandoffTicket, ticket_id) is None:
        raise LookupError(ticket_id)
    if len(notes_of(session, ticket_id)) >= MAX_NOTES:
        raise TicketError(f"一个会话最多 {MAX_NOTES} 条备注")
    note = TicketNote(ticket_id=ticket_id, agent_id=agent_id, kind="note", text=text,
                      created_at=datetime.now(timezone.utc))
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, ticket_id: int) -> List[TicketNote]:
    """The ticket's notes, oldest first."""
    return list(session.execute(select(TicketNote).where(TicketNote.ticket_id == ticket_id)
                                .order_by(TicketNote.id)).scalars())


def normalised_tags(tags: Iterable[str]) -> List[str]:
    """Tags as stored: trimmed, without separators or "#", duplicates dropped, order kept; TicketError (Chinese)
    for too many or too long."""
    seen: List[str] = []
    for raw in tags:
        for tag in _TAG.findall(str(raw)):
            if len(tag) > MAX_TAG_LENGTH:
                raise TicketError(f"标签“{tag}”太长：每个标签不超过 {MAX_TAG_LENGTH} 字")
            if tag.lower() not in (t.lower() for t in seen):
                seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise TicketError(f"一个会话最多 {MAX_TAGS} 个标签")
    return seen


def set_tags(session: Session, ticket_id: int, tags: Iterable[str]) -> List[str]:
    """Replace the ticket's tags; returns them as stored."""
    clean = normalised_tags(tags)
    changed = session.execute(
        update(HandoffTicket).where(HandoffTicket.id == ticket_id)
        .values(tags=f" {' '.join(clean)} " if clean else None).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise LookupError(ticket_id)
    session.expire_all()
    return clean


def tags_of(ticket: HandoffTicket) -> List[str]:
    return (ticket.tags or "").split()
