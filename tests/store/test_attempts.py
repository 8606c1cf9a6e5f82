"""Failed attempts counted per scope and key within a window, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.store import schema
from bot.store.attempts import count_recent, count_recent_by_scope, record_failure
from bot.store.db import get_engine, reading, transaction

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@pytest.fixture
def engine(database_url):
    engine = get_engine(database_url)
    schema.upgrade(engine)
    with transaction(engine) as session:
        for minutes_ago, scope, key in [(5, "verify-conversation", "web-a"), (10, "verify-conversation", "web-a"),
                                        (90, "verify-conversation", "web-a"),  # outside the window
                                        (5, "verify-phone", "13800138000"), (5, "verify-phone", "13900139000"),
                                        (5, "verify-conversation", "web-b")]:
            record_failure(session, scope, key, NOW - timedelta(minutes=minutes_ago))
    return engine


def test_two_scopes_counted_in_one_query(engine):
    keys = [("verify-conversation", "web-a"), ("verify-phone", "13800138000")]
    with reading(engine) as connection:
        assert count_recent_by_scope(connection, keys, HOUR, NOW) == {"verify-conversation": 2, "verify-phone": 1}


def test_one_scope_and_none_found(engine):
    with reading(engine) as connection:
        assert count_recent_by_scope(connection, [("verify-conversation", "web-b")], HOUR, NOW) == {
            "verify-conversation": 1}
        assert count_recent_by_scope(connection, [("verify-phone", "10000000000")], HOUR, NOW) == {"verify-phone": 0}
    with transaction(engine) as session:  # an ORM session works too
        assert count_recent_by_scope(session, [("verify-conversation", "web-a")], 2 * HOUR, NOW) == {
            "verify-conversation": 3}
        assert count_recent(session, "verify-conversation", "web-a", HOUR, NOW) == 2


def test_more_than_two_pairs_are_refused(engine):
    with reading(engine) as connection, pytest.raises(ValueError, match="one or two"):
        count_recent_by_scope(connection, [("a", "1"), ("b", "2"), ("c", "3")], HOUR, NOW)
