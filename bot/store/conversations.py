"""Where Rasa keeps every conversation: its SQL tracker store, at TRACKER_STORE_URL (endpoints.yml).

SQLite for one process (`sqlite:///var/tracker.db`), PostgreSQL when replicas share conversations. On SQLite,
write-ahead logging, as `bot.store.db` uses for the records: Rasa commits once per turn, and SQLite's default
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
from sqlalchemy import event

from bot import rasa_speedups


class ConversationStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (same tables, same URL), with WAL on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        rasa_speedups.apply()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _write_ahead_log)
            self.engine.dispose()  # the connection that created the tables is replaced by one with WAL


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
