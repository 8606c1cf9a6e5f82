"""Console log-in sessions and agent presence.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a leaked database
does not log anyone in. Sessions live in the database, so a server restart does not log agents out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.core.settings import settings
from bot.store.models import Agent, AgentSession


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_lifetime() -> timedelta:
    """CONSOLE_SESSION_HOURS (default 12): one working day, then log in again."""
    return timedelta(hours=settings().console_session_hours)


def presence_window() -> timedelta:
    """HANDOFF_PRESENCE_SECONDS (default 90): an agent whose console was connected this recently is online."""
    return timedelta(seconds=settings().handoff_presence_seconds)


def start_session(session: Session, agent: Agent) -> str:
    """A new session for the agent; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = _now()
    session.execute(delete(AgentSession).where(AgentSession.expires_at < now))
    session.add(AgentSession(token_hash=_hash(token), agent_id=agent.id, created_at=now,
                             expires_at=now + session_lifetime()))
    mark_seen(session, agent.id, now)
    session.execute(update(Agent).where(Agent.id == agent.id).values(status="online"))  # a new working day
    return token


def agent_for_token(session: Session, token: Optional[str]) -> Optional[Agent]:
    """The active agent logged in with this token, or None for a missing, unknown or expired token."""
    if not token:
        return None
    query = (
        select(Agent)
        .join(AgentSession, AgentSession.agent_id == Agent.id)
        .where(AgentSession.token_hash == _hash(token), AgentSession.expires_at > _now(), Agent.is_active == 1)
    )
    return session.execute(query).scalar_one_or_none()


def end_session(session: Session, token: Optional[str]) -> None:
    if token:
        session.execute(delete(AgentSession).where(AgentSession.token_hash == _hash(token)))


def mark_seen(session: Session, agent_id: int, now: Optional[datetime] = None) -> None:
    session.execute(update(Agent).where(Agent.id == agent_id).values(last_seen_at=now or _now()))


def mark_away(session: Session, agent_id: int) -> None:
    session.execute(update(Agent).where(Agent.id == agent_id).values(last_seen_at=None))


def agents_online(session: Session, now: Optional[datetime] = None) -> int:
    """Agents at work: the console connected recently and not set to away (busy agents are at work)."""
    cutoff = (now or _now()) - presence_window()
    query = select(func.count()).where(Agent.is_active == 1, Agent.last_seen_at >= cutoff, Agent.status != "away")
    return session.execute(query).scalar()
