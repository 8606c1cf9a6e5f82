"""Platforms retry deliveries (Telegram until it gets a 200, WeChat three times within 15 s): each message is
taken in once. The key is recorded in the database, so a retry that reaches another replica is recognised too.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.store.db import transaction
from bot.store.models import ProcessedUpdate

logger = logging.getLogger(__name__)

KEEP = timedelta(days=2)  # far longer than any platform retries


def first_time(channel: str, key: str) -> bool:
    """True the first time (channel, key) is seen; False for a retry. A database fault counts as first time:
    answering twice is better than not at all."""
    try:
        with transaction() as session:
            session.add(ProcessedUpdate(channel=channel, key=key[:128]))
        return True
    except IntegrityError:
        logger.info("%s: %s already processed, ignoring the retry", channel, key)
        return False
    except SQLAlchemyError as error:
        logger.error("%s: cannot record %s (%s); processing it anyway", channel, key, error)
        return True


def forget_old(now: datetime = None) -> int:
    """Drop keys older than KEEP; returns how many."""
    cutoff = (now or datetime.now(timezone.utc)) - KEEP
    with transaction() as session:
        return session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < cutoff)).rowcount
