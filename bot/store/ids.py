"""New ticket ids: repair `WX`, return `TH` and complaint `TS`, each followed by 10 digits.

The digits are the year (Beijing time) and a six-digit number counted per prefix and year, e.g. WX2026000123.
A counter row is locked while a number is taken, and starts above any imported id, so ids are never reused.

Locking: the counter is first *written* (a no-op UPDATE) and only then read. On PostgreSQL that locks the row, as
`FOR UPDATE` does. On SQLite `FOR UPDATE` does nothing, and a transaction that read first cannot take the write lock
while another holds it: two customers submitting at the same moment got the same number (a UNIQUE error) or
"database is locked" at once — both answered "系统暂时繁忙". Writing first takes SQLite's write lock (waiting up to
the busy timeout), so the read sees the latest number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.formatting import BEIJING
from bot.store.models import Complaint, IdCounter, Repair, ReturnRequest

_ID_COLUMNS: Dict[str, object] = {
    "WX": Repair.repair_id,
    "TH": ReturnRequest.return_id,
    "TS": Complaint.complaint_id,
}
_MAX_SEQUENCE = 999_999


class IdsExhausted(RuntimeError):
    """A year's numbers for one prefix are used up."""


def next_id(session: Session, prefix: str, now: datetime) -> str:
    if prefix not in _ID_COLUMNS:
        raise ValueError(f"unknown id prefix {prefix!r}")
    year = now.astimezone(BEIJING).year
    counter = _locked_counter(session, prefix, year)
    if counter.last_value >= _MAX_SEQUENCE:
        raise IdsExhausted(f"no {prefix} ids left for {year}")
    counter.last_value += 1
    return f"{prefix}{year}{counter.last_value:06d}"


def _locked_counter(session: Session, prefix: str, year: int) -> IdCounter:
    session.execute(update(IdCounter).where(IdCounter.prefix == prefix, IdCounter.year == year)
                    .values(last_value=IdCounter.last_value).execution_options(synchronize_session=False))
    query = select(IdCounter).where(IdCounter.prefix == prefix, IdCounter.year == year).with_for_update()
    counter = session.execute(query).scalar_one_or_none()
    if counter is not None:
        return counter
    try:
        with session.begin_nested():  # another process may create the same row at the same moment
            session.add(IdCounter(prefix=prefix, year=year, last_value=_highest_existing(session, prefix, year)))
    except IntegrityError:
        pass
    return session.execute(query).scalar_one()


def _highest_existing(session: Session, prefix: str, year: int) -> int:
    """The highest number already used this year, e.g. by imported records (0 when none)."""
    column = _ID_COLUMNS[prefix]
    highest = session.execute(select(func.max(column)).where(column.like(f"{prefix}{year}%"))).scalar()
    return int(highest[len(prefix) + 4 :]) if highest else 0
