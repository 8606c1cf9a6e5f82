"""Platforms retry deliveries (Telegram until it gets a 200, WeChat three times within 15 s): each update is
handled once. An update is *claimed* before it is handled and *confirmed* once handled and its reply stored; a
failed handling *releases* it, so that the platform's retry is handled. The keys live in the database, so a
retry that reaches another replica is recognised too; a claim left by a crashed server expires.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.store.db import transaction
from bot.store.models import ProcessedUpdate

logger = logging.getLogger(__name__)

KEEP = timedelta(days=2)  # far longer than any platform retries
STALE_CLAIM = timedelta(seconds=120)  # a claim this old without a result: its server died, take it over


class Claim(enum.Enum):
    NEW = "new"  # handle it
    DONE = "done"  # handled before: a retry
    IN_PROGRESS = "in_progress"  # being handled right now (by this or another replica)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def claim(channel: str, key: str, now: Optional[datetime] = None) -> Claim:
    """Claim (channel, key) for handling. A database fault counts as NEW: answering twice beats not at all."""
    moment, key = now or _now(), key[:128]
    try:
        with transaction() as session:
            session.add(ProcessedUpdate(channel=channel, key=key, created_at=moment, handled_at=None))
        return Claim.NEW
    except IntegrityError:
        pass
    except SQLAlchemyError as error:
        logger.error("%s: cannot record update %s (%s); handling it anyway", channel, key, error)
        return Claim.NEW
    try:
        with transaction() as session:
            row = session.get(ProcessedUpdate, (channel, key))
            if row is None:  # released in between
                session.add(ProcessedUpdate(channel=channel, key=key, created_at=moment, handled_at=None))
                return Claim.NEW
            if row.handled_at is not None:
                logger.info("%s: update %s already handled, ignoring the retry", channel, key)
                return Claim.DONE
            taken = session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.channel == channel, ProcessedUpdate.key == key,
                       ProcessedUpdate.handled_at.is_(None), ProcessedUpdate.created_at < moment - STALE_CLAIM)
                .values(created_at=moment)
            ).rowcount
            return Claim.NEW if taken else Claim.IN_PROGRESS
    except SQLAlchemyError as error:
        logger.error("%s: cannot check update %s (%s); handling it anyway", channel, key, error)
        return Claim.NEW


def confirm(channel: str, key: str) -> None:
    """The update was handled and its reply stored: retries from now on are ignored."""
    try:
        with transaction() as session:
            session.execute(update(ProcessedUpdate)
                            .where(ProcessedUpdate.channel == channel, ProcessedUpdate.key == key[:128])
                            .values(handled_at=_now()))
    except SQLAlchemyError as error:
        logger.error("%s: cannot mark update %s handled (%s)", channel, key, error)


def release(channel: str, key: str) -> None:
    """The handling failed: let the platform's retry be handled."""
    try:
        with transaction() as session:
            session.execute(delete(ProcessedUpdate)
                            .where(ProcessedUpdate.channel == channel, ProcessedUpdate.key == key[:128]))
    except SQLAlchemyError as error:
        logger.error("%s: cannot release update %s (%s); a retry will be ignored", channel, key, error)


def forget_old(now: Optional[datetime] = None) -> int:
    """Drop keys older than KEEP; returns how many."""
    cutoff = (now or _now()) - KEEP
    with transaction() as session:
        return session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < cutoff)).rowcount
