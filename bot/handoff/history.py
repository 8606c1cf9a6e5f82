"""Conversations handed to a person and since closed: found again by phone, identifier, name, number or date.

An agent asked "what did you tell me last week?" knows the customer's phone (or its last four digits), an order
or repair number, the customer's name or the conversation number (#123). Each ticket keeps the canonical
identifiers named in its conversation and the customer's phone as `search_keys` (written when the ticket is
opened and again when it is closed, from the whole conversation), so one indexed table answers every kind of
query on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, List, Optional, Tuple

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.formatting import BEIJING
from bot.identifiers import find_identifiers, fold_width
from bot.store.models import HandoffTicket

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100
MIN_PARTIAL_KEY = 6  # a shorter fragment of an identifier would match too much to be useful

_MASKED_PHONE = re.compile(r"1[3-9]\d\*{4}\d{4}")
_TICKET_NUMBER = re.compile(r"#?(\d{1,9})")
_TAIL = re.compile(r"\d{4}")
_KEY_FRAGMENT = re.compile(r"[A-Z0-9]+")


def search_keys(texts: Iterable[str], phones: Iterable[Optional[str]] = ()) -> Optional[str]:
    """The identifiers named in `texts` and the customer's `phones`, canonical, " " around each (so that a LIKE
    on " KEY " matches whole keys); None when there are none."""
    keys = {match.value for text in texts for match in find_identifiers(text or "")}
    keys.update(re.sub(r"\D", "", phone) for phone in phones if phone)
    keys.discard("")
    return f" {' '.join(sorted(keys))} " if keys else None


def record_search_keys(session: Session, ticket_id: int, keys: Optional[str]) -> None:
    """Store the keys of the ticket's conversation (the whole conversation's, so they replace earlier ones)."""
    if keys:
        session.execute(update(HandoffTicket).where(HandoffTicket.id == ticket_id).values(search_keys=keys)
                        .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Search:
    """A query from the console's history page: free text, and a range of days (Beijing time, inclusive)."""

    text: str = ""
    since: Optional[date] = None
    until: Optional[date] = None
    page: int = 1


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _has_key(key: str, whole: bool = True) -> ColumnElement:
    pattern = f"% {_escaped(key)} %" if whole else f"%{_escaped(key)}%"
    return HandoffTicket.search_keys.like(pattern, escape="\\")


def _text_condition(text: str) -> Optional[ColumnElement]:
    """What a ticket must match for the query text; None for an empty query.

    The text is read as the most specific thing it can be: a masked phone (138****8000), a full phone or another
    identifier (in any spelling customers use), a phone's last four digits or a conversation number, a fragment of
    an identifier, and otherwise a name, a conversation id or a whole tag agents gave it (bot.handoff.notes).
    """
    text = text.strip()
    if not text:
        return None
    compact = re.sub(r"[\s\-]", "", fold_width(text)).upper()
    if _MASKED_PHONE.fullmatch(compact):
        return HandoffTicket.masked_phone == compact
    identifiers = find_identifiers(text)
    if identifiers:
        return and_(*(_has_key(match.value) for match in identifiers))
    choices: List[ColumnElement] = []
    number = _TICKET_NUMBER.fullmatch(compact)
    if number:
        choices.append(HandoffTicket.id == int(number.group(1)))
    if _TAIL.fullmatch(compact):
        choices.append(HandoffTicket.masked_phone.like(f"%****{compact}"))
    if _KEY_FRAGMENT.fullmatch(compact) and len(compact) >= MIN_PARTIAL_KEY:
        choices.append(_has_key(compact, whole=False))
    if not number:
        choices.append(HandoffTicket.customer_name.like(f"%{_escaped(text)}%", escape="\\"))
        choices.append(func.lower(HandoffTicket.tags).like(f"% {_escaped(text.lstrip('#').lower())} %", escape="\\"))
        choices.append(HandoffTicket.conversation_id == text)
    return or_(*choices)


def _day_start(day: date) -> datetime:
    """00:00 Beijing time of `day`, as an aware datetime (the column stores UTC)."""
    return datetime.combine(day, time.min, tzinfo=BEIJING)


def closed_conversations(session: Session, search: Search) -> Tuple[List[HandoffTicket], int]:
    """The closed tickets matching `search`, newest first, one page of PAGE_SIZE; and how many match in all."""
    where: List[ColumnElement] = [HandoffTicket.status == "closed"]
    condition = _text_condition(search.text)
    if condition is not None:
        where.append(condition)
    if search.since is not None:
        where.append(HandoffTicket.created_at >= _day_start(search.since))
    if search.until is not None:
        where.append(HandoffTicket.created_at < _day_start(search.until + timedelta(days=1)))
    total = session.execute(select(func.count()).select_from(HandoffTicket).where(*where)).scalar() or 0
    page = max(1, search.page)
    rows = session.execute(
        select(HandoffTicket).where(*where)
        .order_by(HandoffTicket.created_at.desc(), HandoffTicket.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).scalars()
    return list(rows), total
