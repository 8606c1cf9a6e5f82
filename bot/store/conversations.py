"""Where Rasa keeps every conversation: its SQL tracker store, at TRACKER_STORE_URL (endpoints.yml).

SQLite for one process (`sqlite:///var/tracker.db`), PostgreSQL when replicas share conversations. On SQLite,
pooled connections and write-ahead logging, as `bot.store.db` uses for the records: Rasa commits once per turn,
and SQLite's default rollback journal syncs the file several times per commit; with WAL it is one sync, and the
console reading a conversation no longer blocks the bot writing another.

Saving a turn, Rasa's store counts the conversation's stored events again (the query that read them) to find the
new ones. This store remembers how many it read or wrote for each tracker object it handed out and skips that
query; trackers it does not know (read by another store, or across all sessions) are counted as Rasa counts them.
Both ways rely on the lock store: nobody else writes the conversation between its read and its save.

`python -m bot.store.conversations` creates the table at TRACKER_STORE_URL, so that replicas can start together
(scripts/run-scaled.sh, the set-up job of deploy/docker-compose.yml).
"""

from __future__ import annotations

import itertools
import sys
import weakref
from typing import Any, Dict, Iterator, Optional, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from bot.core.settings import settings
from bot.store.db import sqlite_engine_arguments


class ConversationStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (same tables, same URL), with pooled connections and WAL on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored: Dict[int, Tuple[weakref.ref, int]] = {}  # id(tracker) -> (tracker, events stored)
        if self.engine.dialect.name == "sqlite":
            self._reconnect_sqlite()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self._remember(tracker)

    def _event_query(self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        """Rasa's query for the conversation's events, reading only their JSON: Rasa uses nothing else of a row,
        and building ORM objects for it was a third of the time spent reading a conversation."""
        query = super()._event_query(session, sender_id, fetch_events_from_all_sessions)
        return query.with_entities(self.SQLEvent.data)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self._stored_count(tracker)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def _remember(self, tracker: DialogueStateTracker) -> None:
        """The tracker's events are all in the database now (it was just read or saved)."""
        key = id(tracker)
        forget = lambda _: self._stored.pop(key, None)  # noqa: E731 - when the tracker is garbage-collected
        self._stored[key] = (weakref.ref(tracker, forget), len(tracker.events))

    def _stored_count(self, tracker: DialogueStateTracker) -> Optional[int]:
        entry = self._stored.get(id(tracker))
        return entry[1] if entry is not None and entry[0]() is tracker else None

    def _reconnect_sqlite(self) -> None:
        """The same database through a pooled engine with WAL (Rasa's engine opens a connection per session)."""
        created = self.engine
        self.engine = create_engine(created.url, **sqlite_engine_arguments(created.url))
        event.listen(self.engine, "connect", _write_ahead_log)
        self.sessionmaker = sessionmaker(bind=self.engine)
        created.dispose()


def _write_ahead_log(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def main() -> int:
    url = settings().tracker_store_url.strip()
    if not url:
        print("conversations: set TRACKER_STORE_URL (e.g. postgresql://user:pass@host/tp_conversations)",
              file=sys.stderr)
        return 2
    ConversationStore(host=url).engine.dispose()
    print("conversations: table ready at TRACKER_STORE_URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
