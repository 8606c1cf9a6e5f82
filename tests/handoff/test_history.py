"""Closed conversations found again by phone, identifier, name, number and date, on SQLite and PostgreSQL."""

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.handoff import history, tickets
from bot.handoff.agents import create_agent
from bot.handoff.history import Search, closed_conversations, search_keys
from bot.store.db import transaction

BEIJING_MIDNIGHT_DEC_1 = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)  # 2026-12-01 00:00 in Beijing


def closed(conversation, *, name=None, masked=None, texts=(), phones=(), created=None, close=True):
    """A ticket with its keys, claimed and closed by an agent (unless `close` is False)."""
    with transaction() as session:
        ticket = tickets.open_ticket(session, conversation, "wechat", "request", {}, customer_name=name,
                                     masked_phone=masked)
        history.record_search_keys(session, ticket.id, search_keys(texts, phones))
        if created is not None:
            ticket.created_at = created
        if close:
            agent = create_agent(session, f"agent{conversation}", "客服", "correct horse")
            assert tickets.claim(session, ticket.id, agent.id) and tickets.close(session, ticket.id, agent.id)
        return ticket.id


def found(text="", **days):
    with transaction() as session:
        rows, total = closed_conversations(session, Search(text=text, **days))
        assert total == len(rows)
        return [row.id for row in rows]


def test_keys_are_the_canonical_identifiers_named_and_the_phones():
    keys = search_keys(["我的订单 tp 2026 1201 0001 还没到", "维修单ＷＸ２０２６１２０１０１ 呢", "电话 138-0013-8000"],
                       ["13900139000", None])
    assert keys == " 13800138000 13900139000 TP202612010001 WX2026120101 "
    assert search_keys(["你好"], []) is None


def test_each_kind_of_query_finds_its_conversation(database):
    zhang = closed("c-zhang", name="张三", masked="138****8000", phones=["13800138000"],
                   texts=["订单 TP202612010001 没到", "已为您提交维修单 WX2026120101"])
    li = closed("c-li", name="李四", masked="139****9000", phones=["13900139000"], texts=["SN A1B2 C3D4 E5"])
    assert found("13800138000") == [zhang]
    assert found("138 0013 8000") == [zhang]
    assert found("138****8000") == [zhang]
    assert found("8000") == [zhang]  # the phone's last four digits
    assert found("tp2026 1201 0001") == [zhang]  # as customers and agents type it
    assert found("WX2026120101") == [zhang]
    assert found("sna1b2c3d4e5") == [li]
    assert found("TP20261201") == [zhang]  # a fragment of a number
    assert found("李") == [li]
    assert found(f"#{li}") == [li] and found(str(li)) == [li]
    assert found("c-li") == [li]  # the conversation id
    assert found("") == [li, zhang]  # newest first
    assert found("13700137000") == [] and found("王五") == []


def test_only_closed_conversations_are_history(database):
    closed("c-open", name="张三", close=False)
    done = closed("c-done", name="张三")
    assert found("张三") == [done]


def test_a_range_of_days_in_beijing_time(database):
    early = closed("c-1", name="早", created=BEIJING_MIDNIGHT_DEC_1 - timedelta(minutes=1))  # Nov 30, 23:59
    late = closed("c-2", name="晚", created=BEIJING_MIDNIGHT_DEC_1)  # Dec 1, 00:00
    assert found(since=date(2026, 12, 1)) == [late]
    assert found(until=date(2026, 11, 30)) == [early]
    assert found(since=date(2026, 11, 30), until=date(2026, 12, 1)) == [late, early]


@pytest.mark.parametrize("text", ["%", "_", "\\", "' OR 1=1 --", "张%"])
def test_wildcards_and_quotes_are_searched_for_literally(database, text):
    closed("c-x", name="张三")
    assert found(text) == []


def test_results_come_a_page_at_a_time(database, monkeypatch):
    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    made = [closed(f"c-{n}", name="同名") for n in range(5)]
    with transaction() as session:
        pages = [closed_conversations(session, Search(text="同名", page=page)) for page in (1, 2, 3)]
    assert [[row.id for row in rows] for rows, _ in pages] == [made[4:2:-1], made[2:0:-1], made[:1]]
    assert {total for _, total in pages} == {5}
