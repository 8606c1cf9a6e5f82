"""Rasa's tracker store as the bot configures it: TRACKER_STORE_URL, pooled connections and WAL on SQLite."""

import asyncio
import os
import subprocess
import sys
import threading

import sqlalchemy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.knowledge import PROJECT_ROOT
from bot.store.conversations import ConversationStore

DOMAIN = Domain.from_yaml("version: '3.1'\nslots:\n  order_id:\n    type: text\n    mappings: []")


def _first_turn(sender_id: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender_id, [ActionExecuted("action_listen"), UserUttered("我的订单")],
                                            slots=DOMAIN.slots)


def test_sqlite_conversations_use_write_ahead_logging(tmp_path):
    store = ConversationStore(host=f"sqlite:///{tmp_path / 'tracker.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert "events" in sqlalchemy.inspect(store.engine).get_table_names()


def test_sqlite_connections_are_kept_between_turns_and_threads(tmp_path):
    store = ConversationStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    assert isinstance(store.engine.pool, QueuePool)
    tracker = _first_turn("c1")
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("order_id", "TP20261120001"))
    saved = []  # the second turn saved from another thread, over the connection the first one pooled
    worker = threading.Thread(target=lambda: saved.append(asyncio.run(store.save(tracker))))
    worker.start()
    worker.join()
    assert saved == [None] and store.engine.pool.checkedin() == 1

    again = asyncio.run(store.retrieve("c1"))
    assert again.events == tracker.events and again.get_slot("order_id") == "TP20261120001"


def test_the_table_is_created_from_the_command_line(tmp_path, postgres):
    url = postgres.create_database()
    result = subprocess.run([sys.executable, "-m", "bot.store.conversations"], cwd=PROJECT_ROOT,
                            env=dict(os.environ, TRACKER_STORE_URL=url), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    engine = sqlalchemy.create_engine(url)
    assert "events" in sqlalchemy.inspect(engine).get_table_names()
    engine.dispose()


def test_the_command_says_what_is_missing():
    env = {**os.environ, "TRACKER_STORE_URL": ""}  # unset, the default (var/tracker.db) applies
    result = subprocess.run([sys.executable, "-m", "bot.store.conversations"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "TRACKER_STORE_URL" in result.stderr


def _statements(engine) -> list:
    seen = []
    sqlalchemy.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_turn_is_saved_without_counting_the_stored_events_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ConversationStore(domain=DOMAIN, host=url)
    tracker = _first_turn("c1")
    asyncio.run(store.save(tracker))  # a new conversation: Rasa's count (nothing stored yet)

    read = asyncio.run(store.retrieve("c1"))
    read.update(SlotSet("order_id", "TP20261120001"))
    statements = _statements(store.engine)
    asyncio.run(store.save(read))
    read.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(read))
    assert not [s for s in statements if "count(" in s.lower()]

    other = ConversationStore(domain=DOMAIN, host=url)  # another replica: it did not read this tracker object
    read.update(UserUttered("谢谢"))
    asyncio.run(other.save(read))
    with store.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT type_name FROM events ORDER BY id").scalars().all()
    assert stored == ["action", "user", "slot", "action", "user"]  # each event once, in order
    assert asyncio.run(other.retrieve("c1")).events == read.events


def test_the_latest_session_is_read_as_rasa_reads_it(tmp_path, postgres):
    """Rasa's own SQLTrackerStore and ours read the same events from the same table, SQLite and PostgreSQL."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted

    for url in (f"sqlite:///{tmp_path / 'tracker.db'}", postgres.create_database()):
        ours = ConversationStore(domain=DOMAIN, host=url)
        first = _first_turn("c1")
        first.update(SlotSet("order_id", "TP20261120001"))
        asyncio.run(ours.save(first))
        later = asyncio.run(ours.retrieve("c1"))
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                      UserUttered("还在吗")):
            later.update(event)
        asyncio.run(ours.save(later))
        rasas = SQLTrackerStore(domain=DOMAIN, host=url)
        for store in (ours, rasas):
            session = asyncio.run(store.retrieve("c1"))
            assert [e.type_name for e in session.events] == ["session_started", "action", "user"]
            assert asyncio.run(store.retrieve_full_tracker("c1")).events == later.events
        assert asyncio.run(ours.retrieve("nobody")) is None
        with ours.engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT intent_name, action_name FROM events WHERE type_name IN ('user', 'action') ORDER BY id"
            ).fetchall()
        assert [tuple(r) for r in row][:2] == [(None, "action_listen"), (None, None)]
        rasas.engine.dispose()
        ours.engine.dispose()
