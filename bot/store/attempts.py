"""Failed attempts counted per scope and key within a time window (wrong phone tails, wrong passwords).

Kept in the database, so a limit holds across `/restart`, new sessions and conversations, server restarts and
replicas. Old rows are pruned as new ones are written.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Dict, Optional, Sequence, Tuple, Union

from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.store.models import FailedAttempt

KEEP = timedelta(days=2)  # longer than any window a caller uses


def _now(now: Optional[datetime]) -> datetime:
    return now or datetime.now(timezone.utc)


def record_failure(session: Session, scope: str, key: str, now: Optional[datetime] = None) -> None:
    moment = _now(now)
    session.execute(delete(FailedAttempt).where(FailedAttempt.created_at < moment - KEEP))
    session.add(FailedAttempt(scope=scope, key=key[:255], created_at=moment))
    session.flush()


def count_recent(session: Session, scope: str, key: str, window: timedelta, now: Optional[datetime] = None) -> int:
    """Failures of (scope, key) in the last `window`."""
    query = select(func.count()).where(FailedAttempt.scope == scope, FailedAttempt.key == key[:255],
                                       FailedAttempt.created_at >= _now(now) - window)
    return session.execute(query).scalar() or 0


# Prebuilt (asked on every step of an identity-checked form): up to two (scope, key) pairs; an unused pair is NULL,
# which matches no row.
_BY_SCOPE = (select(FailedAttempt.scope, func.count())
             .where(or_(and_(FailedAttempt.scope == bindparam("scope_1"), FailedAttempt.key == bindparam("key_1")),
                        and_(FailedAttempt.scope == bindparam("scope_2"), FailedAttempt.key == bindparam("key_2"))),
                    FailedAttempt.created_at >= bindparam("since", type_=FailedAttempt.created_at.type))
             .group_by(FailedAttempt.scope))


def count_recent_by_scope(connection: Union[Session, Connection], keys: Sequence[Tuple[str, str]],
                          window: timedelta, now: Optional[datetime] = None) -> Dict[str, int]:
    """Failures in the last `window` for each of one or two (scope, key) pairs, in one query: {scope: count}."""
    if not 1 <= len(keys) <= 2:
        raise ValueError(f"one or two (scope, key) pairs, not {len(keys)}")
    pairs = list(keys) + [(None, None)] * (2 - len(keys))
    parameters = {"since": _now(now) - window}
    for number, (scope, key) in enumerate(pairs, start=1):
        parameters[f"scope_{number}"], parameters[f"key_{number}"] = scope, key[:255] if key else None
    found = dict(connection.execute(_BY_SCOPE, parameters).all())
    return {scope: found.get(scope, 0) for scope, _ in keys}


def latest_failure(session: Session, scope: str, key: str) -> Optional[datetime]:
    query = select(func.max(FailedAttempt.created_at)).where(FailedAttempt.scope == scope,
                                                             FailedAttempt.key == key[:255])
    value = session.execute(query).scalar()
    if value is not None and value.tzinfo is None:  # func.max bypasses the column type on some back ends
        value = value.replace(tzinfo=timezone.utc)
    return value


def clear(session: Session, scope: str, key: str) -> None:
    session.execute(delete(FailedAttempt).where(FailedAttempt.scope == scope, FailedAttempt.key == key[:255]))
