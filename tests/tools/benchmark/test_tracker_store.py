"""The tracker-store benchmark times a real read + save of a turn on both stores."""

import re

from bot.store.conversations import ConversationStore
from tools.benchmark import tracker_store


def test_each_store_is_timed_and_compared(tmp_path, capsys):
    assert tracker_store.main(["--turns", "5", "--dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert len(re.findall(r"read \+ save of one turn, median \d+\.\d\d ms, p95 \d+\.\d\d ms \(5 turns", printed)) == 2
    assert re.search(r"^ratio: \d+\.\dx$", printed, re.MULTILINE)


def test_the_timed_turn_is_stored(tmp_path):
    assert len(tracker_store.measure(ConversationStore, tmp_path, 2)) == 2
    store = ConversationStore(host=f"sqlite:///{tmp_path / 'ConversationStore.db'}")
    with store.engine.connect() as connection:
        users = connection.exec_driver_sql("SELECT count(*) FROM events WHERE sender_id = 'bench-1' "
                                           "AND type_name = 'user'").scalar()
    assert users == tracker_store.EARLIER_TURNS + 1
