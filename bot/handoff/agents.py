"""Agent accounts: passwords hashed with scrypt (standard library), verified in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Agent

_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8


class AgentError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"scrypt${_N}${_R}${_P}${encode(salt)}${encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def create_agent(session: Session, username: str, display_name: str, password: str) -> Agent:
    username = username.strip()
    if not username or len(password) < MIN_PASSWORD_LENGTH:
        raise AgentError(f"a username and a password of at least {MIN_PASSWORD_LENGTH} characters are needed")
    if session.execute(select(Agent.id).where(Agent.username == username)).first() is not None:
        raise AgentError(f"agent {username!r} already exists")
    agent = Agent(username=username, display_name=display_name.strip() or username,
                  password_hash=hash_password(password), is_active=1)
    session.add(agent)
    session.flush()
    return agent


def authenticate(session: Session, username: str, password: str) -> Optional[Agent]:
    """The active agent with these credentials, or None (the same work is done for unknown usernames)."""
    agent = session.execute(select(Agent).where(Agent.username == username.strip())).scalar_one_or_none()
    if agent is None:
        verify_password(password, _DUMMY_HASH)  # no timing difference between unknown user and wrong password
        return None
    if not agent.is_active or not verify_password(password, agent.password_hash):
        return None
    return agent


_DUMMY_HASH = hash_password(secrets.token_hex(8))
