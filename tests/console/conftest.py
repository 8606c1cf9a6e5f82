"""Agents using the console of the test Rasa server over real HTTP."""

import uuid
from typing import Any, Callable, Dict, Optional

import httpx
import pytest
from sqlalchemy import select, update

from bot.handoff.agents import create_agent
from bot.store.db import get_engine, transaction
from bot.store.models import Agent
from tests.conftest import Chat, RasaServer

PASSWORD = "correct horse 42"


class Console:
    """One agent's browser session, without the browser: the console's JSON API with its cookie."""

    def __init__(self, server: RasaServer, username: str) -> None:
        self.username = username
        self.http = httpx.Client(base_url=f"{server.url}/console", timeout=30)

    def login(self, password: str = PASSWORD) -> httpx.Response:
        return self.http.post("/api/login", json={"username": self.username, "password": password})

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"/api{path}")

    def post(self, path: str, body: Optional[Dict[str, Any]] = None) -> httpx.Response:
        return self.http.post(f"/api{path}", json=body or {})

    def ticket_id(self, chat: Chat) -> int:
        return chat.ticket().id


@pytest.fixture
def new_agent(rasa_server: RasaServer) -> Callable[..., Console]:
    """Creates an agent account in the server's database and returns its (logged-in) console."""

    def make(username: Optional[str] = None, login: bool = True) -> Console:
        username = username or f"agent-{uuid.uuid4().hex[:8]}"
        with transaction(get_engine(rasa_server.database)) as session:
            create_agent(session, username, f"客服{username[-4:]}", PASSWORD)
        console = Console(rasa_server, username)
        if login:
            assert console.login().status_code == 200
        return console

    return make


SUPERVISOR = "supervisor"  # HANDOFF_SUPERVISORS of the test servers (tests/conftest.py)


@pytest.fixture
def supervisor(rasa_server: RasaServer, new_agent: Callable[..., Console]) -> Console:
    """The supervisor's logged-in console; the account is created by the first test that needs it."""
    with transaction(get_engine(rasa_server.database)) as session:
        exists = session.execute(select(Agent.id).where(Agent.username == SUPERVISOR)).first() is not None
    if not exists:
        return new_agent(SUPERVISOR)
    console = Console(rasa_server, SUPERVISOR)
    assert console.login().status_code == 200
    return console


def nobody_online(server: RasaServer) -> None:
    """Every agent away (as after the last one logged out or closed the console): a hand-off is a message left."""
    with transaction(get_engine(server.database)) as session:
        session.execute(update(Agent).values(last_seen_at=None))
