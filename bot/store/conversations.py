"""Where Rasa keeps every conversation: its SQL tracker store, at TRACKER_STORE_URL (endpoints.yml).

SQLite for one process (`sqlite:///var/tracker.db`), PostgreSQL when replicas share conversations. On SQLite,
pooled connections and write-ahead logging, as `bot.store.db` uses for the records: Rasa commits once per turn,
and SQLite's default rollback journal syncs the file several times per commit; with WAL it is one sync, and the
console reading a conversation no longer blocks the bot writing another.

Saving a turn, Rasa's store counts the conversation's stored events again (the query that read them) to find the
new ones. This store remembers how many it read or wrote for each tracker object it handed out and skips that
query; trackers it does not know (read by another store, or across all sessions) are counted as Rasa counts them.
Both ways rely on the lock store: nobody else writes the conversation between its read and its save.

Reading and saving run the same SQL as Rasa's store (the latest session's events, ordered by id; one row per new
event, one commit), through statements built once with SQLAlchemy Core instead of an ORM query and ORM objects per
event, which were more than half of a turn's tracker-store time under `make bench`.

`python -m bot.store.conversations` creates the table at TRACKER_STORE_URL, so that replicas can start together
(scripts/run-scaled.sh, the set-up job of deploy/docker-compose.yml).
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import weakref
from typing import Any, Dict, Iterator, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from bot.core.settings import settings
from bot.store.db import sqlite_engine_arguments

logger = logging.getLogger(__name__)


class ConversationStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (same tables, same URL), with pooled connections and WAL on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored: Dict[int, Tuple[weakref.ref, int]] = {}  # id(tracker) -> (tracker, events stored)
        if self.engine.dialect.name == "sqlite":
            self._reconnect_sqlite()
        self._select_session, self._select_all = self._event_selects()
        self._insert = self.SQLEvent.__table__.insert()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker)
        return tracker

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """Rasa's `_retrieve`, through the prebuilt statement."""
        statement = self._select_all if fetch_events_from_all_sessions else self._select_session
        with self.engine.connect() as connection:
            rows = connection.execute(statement, {"sender_id": sender_id}).scalars().all()
        if not self.domain or not rows:
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `save`: the events not stored yet, one row each, in one transaction."""
        await self.stream_events(tracker)
        with self.engine.begin() as connection:
            rows = [_row(tracker.sender_id, event) for event in self._new_events(connection, tracker)]
            if rows:
                connection.execute(self._insert, rows)
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)
        self._remember(tracker)

    def _new_events(self, connection: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self._stored_count(tracker)
        if stored is None:  # a tracker this store did not hand out: count the stored events, as Rasa does
            count = sa.select(sa.func.count()).select_from(self._select_session.subquery())
            stored = connection.execute(count, {"sender_id": tracker.sender_id}).scalar_one()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def _event_selects(self) -> Tuple[Any, Any]:
        """The events' JSON of a conversation ordered by id: of its latest session (after the latest
        `SessionStarted`, or all when there is none), and of all sessions. Rasa's `_event_query` as statements."""
        events = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        session_start = (sa.select(sa.func.max(events.c.timestamp).label("session_start"))
                         .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
                         .scalar_subquery())
        all_sessions = sa.select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        latest = (sa.select(events.c.data)
                  .where(events.c.sender_id == sender,
                         sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
                  .order_by(events.c.id))
        return latest, all_sessions

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


def _row(sender_id: str, event: Any) -> Dict[str, Any]:
    """The events table's row of an event, as Rasa's `save` writes it."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


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
