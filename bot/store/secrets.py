"""Secrets the servers make themselves when none is configured, kept in the database so replicas share them."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from bot.store.db import transaction
from bot.store.models import ServerSecret


def server_secret(name: str) -> str:
    """The secret called `name`, generated (256 random bits) and stored the first time it is asked for."""
    with transaction() as session:
        found = session.get(ServerSecret, name)
        if found is not None:
            return found.value
    try:
        with transaction() as session:
            session.add(ServerSecret(name=name, value=secrets.token_urlsafe(32)))
    except IntegrityError:
        pass  # another replica made it at the same moment: use theirs
    with transaction() as session:
        return session.get(ServerSecret, name).value
