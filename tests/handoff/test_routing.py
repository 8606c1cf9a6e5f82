"""Agents' status and limits, and transfers to a named colleague, on SQLite and PostgreSQL."""

import pytest

from bot.handoff import routing, tickets
from bot.handoff.agents import create_agent
from bot.handoff.notes import notes_of
from bot.handoff.routing import agent_loads, check_capacity, set_status, transfer
from bot.handoff.sessions import agents_online, mark_away, mark_seen
from bot.handoff.tickets import TicketError
from bot.store.db import transaction


def agent(session, username, online=True, limit=None):
    made = create_agent(session, username, f"客服{username}", "correct horse")
    made.max_conversations = limit
    if online:
        mark_seen(session, made.id)
    return made


def assigned(session, owner, conversation):
    ticket = tickets.open_ticket(session, conversation, "rest", "request", {})
    assert tickets.claim(session, ticket.id, owner.id)
    return ticket.id


def test_away_agents_do_not_count_as_online_and_busy_ones_do(database):
    with transaction() as session:
        alice, bob = agent(session, "alice"), agent(session, "bob")
        assert agents_online(session) == 2
        set_status(session, alice.id, "away")
        set_status(session, bob.id, "busy")
        assert agents_online(session) == 1  # busy is at work: the queue stays live
        loads = {load.display_name: load.label for load in agent_loads(session)}
        assert loads == {"客服alice": "离开", "客服bob": "忙碌"}
        mark_away(session, bob.id)  # logged out
        assert [load.label for load in agent_loads(session)] == ["离开", "离线"]
        with pytest.raises(TicketError, match="状态只能是：在线、忙碌、离开"):
            set_status(session, alice.id, "lunch")


def test_an_agent_cannot_serve_more_than_their_limit(database, monkeypatch):
    monkeypatch.setenv("HANDOFF_MAX_CONVERSATIONS", "2")  # re-read: tests/conftest.py's monkeypatch
    with transaction() as session:
        alice, bob = agent(session, "alice"), agent(session, "bob", limit=1)
        assigned(session, alice, "c1")
        check_capacity(session, alice)
        assigned(session, alice, "c2")
        with pytest.raises(TicketError, match="您已同时接待 2 个会话，达到上限"):
            check_capacity(session, alice)
        assigned(session, bob, "c3")
        with pytest.raises(TicketError, match="1 个会话"):  # bob's own limit
            check_capacity(session, bob)
        assert [(load.serving, load.limit, load.full) for load in agent_loads(session)] == [(2, 2, True),
                                                                                             (1, 1, True)]


def test_a_transfer_moves_the_conversation_and_keeps_the_note(database):
    with transaction() as session:
        alice, bob = agent(session, "alice"), agent(session, "bob")
        ticket_id = assigned(session, alice, "c1")
        first_claim = session.get(tickets.HandoffTicket, ticket_id).assigned_at
        moved = transfer(session, ticket_id, alice, bob.id, "  客户要退款，订单已核实 ")
        assert (moved.agent_id, moved.status, moved.assigned_at) == (bob.id, "assigned", first_claim)
        assert [(n.kind, n.text) for n in notes_of(session, ticket_id)] == [
            ("transfer", "客服alice 转交给 客服bob：客户要退款，订单已核实")]
        assert tickets.agent_tickets(session, bob.id)[0].id == ticket_id
        assert tickets.agent_tickets(session, alice.id) == []


@pytest.mark.parametrize("case, reason", [
    ("not_mine", "只能转交您自己正在服务的会话"),
    ("offline", "客服carol 当前离线，不能接收转交"),
    ("busy", "客服bob 当前忙碌，不能接收转交"),
    ("full", "客服bob 已同时接待 1 个会话，达到上限"),
    ("self", "这个会话已经由这位客服服务"),
    ("nobody", "没有这位客服"),
    ("long_note", "转交说明不能超过 500 字"),
])
def test_a_transfer_is_refused_with_the_reason(database, case, reason):
    with transaction() as session:
        alice, bob = agent(session, "alice"), agent(session, "bob", limit=1)
        carol = agent(session, "carol", online=False)
        ticket_id = assigned(session, alice, "c1")
        sender, target, note = alice, bob.id, ""
        if case == "not_mine":
            sender = carol
        elif case == "offline":
            target = carol.id
        elif case == "busy":
            set_status(session, bob.id, "busy")
        elif case == "full":
            assigned(session, bob, "c2")
        elif case == "self":
            target = alice.id
        elif case == "nobody":
            target = 99999
        else:
            note = "长" * 501
        with pytest.raises(TicketError, match=reason):
            transfer(session, ticket_id, sender, target, note)
        assert session.get(tickets.HandoffTicket, ticket_id).agent_id == alice.id


def test_a_supervisor_transfers_a_colleagues_conversation(database):
    with transaction() as session:
        alice, bob, lead = agent(session, "alice"), agent(session, "bob"), agent(session, "lead")
        ticket_id = assigned(session, alice, "c1")
        transfer(session, ticket_id, lead, bob.id, "", supervisor=True)
        assert notes_of(session, ticket_id)[0].text == "客服lead 将会话从 客服alice 转交给 客服bob"
        assert routing.serving(session, bob.id) == 1
