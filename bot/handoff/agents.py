"""Agent accounts: passwords hashed with scrypt (standard library), verified in constant time.

A stored hash carries its parameters (`scrypt$N$r$p$salt$digest`), so the cost can be raised later: a hash made
with other parameters still verifies, and is replaced by one with the current parameters at the next log-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Agent

logger = logging.getLogger(__name__)

_N, _R, _P, _DKLEN = 2**14, 8, 1, 32  # the current parameters (16 MiB, about 50 ms)
MIN_PASSWORD_LENGTH = 8


class AgentError(ValueError):
    pass


def hash_password(password: str, n: int = _N, r: int = _R, p: int = _P, dklen: int = _DKLEN) -> str:
    """A salted scrypt hash with its parameters; other parameters than the current ones only for tests."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen)
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"scrypt${n}${r}${p}${encode(salt)}${encode(digest)}"


def _parse(stored: str) -> Tuple[int, int, int, bytes, bytes]:
    """(N, r, p, salt, digest) of a stored scrypt hash; ValueError for anything else."""
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(f"unknown password scheme {scheme!r}")
    return int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(digest)


def verify_password(password: str, stored: str) -> bool:
    try:
        n, r, p, salt, expected = _parse(stored)
        actual = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with other parameters than the current ones (N, r, p, digest length) or with
    an unknown scheme: it is replaced at the next successful log-in."""
    try:
        n, r, p, _salt, digest = _parse(stored)
    except (ValueError, TypeError):
        return True
    return (n, r, p, len(digest)) != (_N, _R, _P, _DKLEN)


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
    """The active agent with these credentials, or None (the same work is done for unknown usernames).

    A hash with outdated parameters is replaced by one with the current parameters, in the caller's transaction.
    """
    agent = session.execute(select(Agent).where(Agent.username == username.strip())).scalar_one_or_none()
    if agent is None:
        verify_password(password, _DUMMY_HASH)  # no timing difference between unknown user and wrong password
        return None
    if not agent.is_active or not verify_password(password, agent.password_hash):
        return None
    if needs_rehash(agent.password_hash):
        old = agent.password_hash.split("$")[:4]
        agent.password_hash = hash_password(password)
        session.flush()
        logger.info("agents: %s's password hash upgraded from %s to the current parameters (N=%d, r=%d, p=%d)",
                    agent.username, "$".join(old), _N, _R, _P)
    return agent


_DUMMY_HASH = hash_password(secrets.token_hex(8))
