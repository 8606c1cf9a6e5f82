"""Where Rasa keeps every conversation: its SQL tracker store, at TRACKER_STORE_URL (endpoints.yml).

SQLite for one process (`sqlite:///var/tracker.db`), PostgreSQL when replicas share conversations. On SQLite,
pooled connections and write-ahead logging, as `bot.store.db` uses for the records: Rasa commits once per turn, and SQLite's default
rollback journal syncs the file several times per commit; with WAL it is one sync, and the console reading a
conversation no longer blocks the bot writing another.

Created once per Rasa server, before the first message, so it also applies `bot.rasa_speedups`.
`python -m bot.store.conversations` creates the table at TRACKER_STORE_URL, so that replicas can start together
(scripts/run-scaled.sh, the set-up job of deploy/docker-compose.yml).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from bot import rasa_speedups
from bot.store.db import sqlite_pool_arguments


class ConversationStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (same tables, same URL), with pooled connections and WAL on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        rasa_speedups.apply()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._reconnect_sqlite()

    def _reconnect_sqlite(self) -> None:
        """The same database through a pooled engine with WAL (Rasa's engine opens a connection per session)."""
        created = self.engine
        self.engine = create_engine(created.url, **sqlite_pool_arguments(created.url),
                                    connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _write_ahead_log)
        self.sessionmaker = sessionmaker(bind=self.engine)
        created.dispose()


def _write_ahead_log(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def main() -> int:
    url = os.environ.get("TRACKER_STORE_URL", "").strip()
    if not url:
        print("conversations: set TRACKER_STORE_URL (e.g. postgresql://user:pass@host/tp_conversations)",
              file=sys.stderr)
        return 2
    ConversationStore(host=url).engine.dispose()
    print("conversations: table ready at TRACKER_STORE_URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
