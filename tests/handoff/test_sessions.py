"""Console sessions (hashed tokens, expiry, log-out) and agent presence."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from bot.core.settings import settings
from bot.handoff.agents import create_agent
from bot.handoff.sessions import (
    agent_for_token,
    agents_online,
    end_session,
    mark_away,
    mark_seen,
    presence_window,
    session_lifetime,
    start_session,
)
from bot.store.db import transaction
from bot.store.models import Agent, AgentSession


def new_agent(session, username="alice") -> Agent:
    return create_agent(session, username, "小A", "correct horse")


def test_a_session_token_identifies_its_agent_and_only_its_hash_is_stored(database):
    with transaction() as session:
        token = start_session(session, new_agent(session))
    with transaction() as session:
        assert agent_for_token(session, token).username == "alice"
        assert agent_for_token(session, token + "x") is None and agent_for_token(session, None) is None
        assert token not in [row.token_hash for row in session.query(AgentSession)]


def test_the_lifetimes_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("CONSOLE_SESSION_HOURS", "2")
    monkeypatch.setenv("HANDOFF_PRESENCE_SECONDS", "30")
    settings.cache_clear()
    try:
        assert session_lifetime() == timedelta(hours=2) and presence_window() == timedelta(seconds=30)
    finally:
        monkeypatch.undo()
        settings.cache_clear()


def test_expired_and_ended_sessions_log_nobody_in(database):
    with transaction() as session:
        expired = start_session(session, new_agent(session))
        session.execute(update(AgentSession).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    with transaction() as session:
        agent = session.query(Agent).one()
        ended = start_session(session, agent)
        end_session(session, ended)
        kept = start_session(session, agent)
    with transaction() as session:
        assert agent_for_token(session, expired) is None and agent_for_token(session, ended) is None
        assert agent_for_token(session, kept) is not None


def test_a_deactivated_agent_is_logged_out(database):
    with transaction() as session:
        agent = new_agent(session)
        token = start_session(session, agent)
        agent.is_active = 0
    with transaction() as session:
        assert agent_for_token(session, token) is None


def test_agents_are_online_while_their_console_is_connected(database):
    now = datetime.now(timezone.utc)
    with transaction() as session:
        alice, bob = new_agent(session), new_agent(session, "bob")
        mark_seen(session, alice.id, now)
        mark_seen(session, bob.id, now - timedelta(minutes=10))
        assert agents_online(session, now) == 1
        mark_away(session, alice.id)
        assert agents_online(session, now) == 0
