"""Rasa's tracker store as the bot configures it: TRACKER_STORE_URL, write-ahead logging on SQLite."""

import os
import subprocess
import sys

import sqlalchemy

from bot.knowledge import PROJECT_ROOT
from bot.store.conversations import ConversationStore


def test_sqlite_conversations_use_write_ahead_logging(tmp_path):
    store = ConversationStore(host=f"sqlite:///{tmp_path / 'tracker.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert "events" in sqlalchemy.inspect(store.engine).get_table_names()


def test_the_table_is_created_from_the_command_line(tmp_path, postgres):
    url = postgres.create_database()
    result = subprocess.run([sys.executable, "-m", "bot.store.conversations"], cwd=PROJECT_ROOT,
                            env=dict(os.environ, TRACKER_STORE_URL=url), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    engine = sqlalchemy.create_engine(url)
    assert "events" in sqlalchemy.inspect(engine).get_table_names()
    engine.dispose()


def test_the_command_says_what_is_missing():
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_STORE_URL"}
    result = subprocess.run([sys.executable, "-m", "bot.store.conversations"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "TRACKER_STORE_URL" in result.stderr
