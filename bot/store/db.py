"""Connecting to the database named by `DATABASE_URL` (default: SQLite under var/)."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.core.settings import settings



def database_url() -> str:
    """`DATABASE_URL` (any SQLAlchemy URL, e.g. postgresql://user:pass@host/db) or the embedded SQLite file."""
    return settings().records_url


def _timeout_seconds() -> float:
    return settings().database_timeout_seconds


@lru_cache(maxsize=None)
def get_engine(url: Optional[str] = None) -> Engine:
    """One engine (and connection pool) per URL for the life of the process."""
    url = url or database_url()
    parsed = make_url(url)
    timeout = _timeout_seconds()
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, **sqlite_engine_arguments(parsed, timeout=timeout))
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    connect_args = {}
    if parsed.get_backend_name() == "postgresql":
        # A slow database must not hold a customer's reply for long: fail, apologise, offer a person.
        connect_args = {"connect_timeout": max(1, int(timeout)), "options": f"-c statement_timeout={int(timeout * 1000)}"}
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


def sqlite_engine_arguments(url: URL, **connect_args: Any) -> Dict[str, Any]:
    """Keep SQLite file connections open between sessions, as SQLAlchemy 2.0 does by default.

    SQLAlchemy 1.4 opens a new connection for every session on a file database (NullPool): with the pragmas run on
    each connect that was ~5 % of the Rasa process's CPU under `make bench`. SQLite connections may move between
    threads once created (`check_same_thread=False`); a pooled connection is used by one thread at a time.
    In-memory databases keep SQLAlchemy's default pool (one database per connection otherwise).
    """
    arguments: Dict[str, Any] = {"connect_args": {**connect_args, "check_same_thread": False}}
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        arguments["poolclass"] = QueuePool
    return arguments


def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@lru_cache(maxsize=None)
def _session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


@contextmanager
def reading(engine: Optional[Engine] = None) -> Iterator[Connection]:
    """A connection for prebuilt read queries, without an ORM session (a session's begin, flush and commit cost
    more than a one-row SELECT on every step of a form)."""
    with (engine or get_engine()).connect() as connection:
        yield connection


@contextmanager
def transaction(engine: Optional[Engine] = None) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back if it raises."""
    with _session_factory(engine or get_engine()).begin() as session:
        yield session


async def in_transaction(function: Callable[..., Any], *args: Any) -> Any:
    """`function(session, *args)` in one transaction, in a worker thread: the event loop serves other requests
    meanwhile."""

    def work() -> Any:
        with transaction() as session:
            return function(session, *args)

    return await asyncio.to_thread(work)
