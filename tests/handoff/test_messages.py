"""The call-back list of messages left, on SQLite and PostgreSQL."""

import threading

import pytest

from bot.handoff import messages, tickets
from bot.handoff.agents import create_agent
from bot.store.db import transaction
from bot.store.models import HandoffTicket


def left_message(conversation="night-1"):
    with transaction() as session:
        return tickets.open_ticket(session, conversation, "wechat", "request", {}, leave_message=True).id


def agent(name="alice"):
    with transaction() as session:
        return create_agent(session, name, name, "correct horse").id


def test_to_call_then_called_with_notes_then_closed(database):
    first, second = left_message("n1"), left_message("n2")
    alice = agent()
    with transaction() as session:
        assert [t.id for t in messages.messages_left(session)] == [first, second]
        assert messages.counts(session) == {"to_call": 2, "called": 0}
        messages.set_callback_status(session, first, "called", alice, "小王", "无人接听")
        messages.set_callback_status(session, first, "to_call", alice, "小王")
        messages.set_callback_status(session, first, "called", alice, "小王", "  已联系  ")
    with transaction() as session:
        ticket = session.get(HandoffTicket, first)
        assert (ticket.callback_status, ticket.called_by, ticket.caller.username) == ("called", alice, "alice")
        lines = ticket.callback_note.splitlines()
        assert [line.split(" ", 2)[2] for line in lines] == ["小王：无人接听", "小王：已联系"]
        assert messages.counts(session) == {"to_call": 1, "called": 1}
        assert [t.id for t in messages.messages_left(session, "called")] == [first]
        messages.close_message(session, first, alice, "小王", "已寄修")
    with transaction() as session:
        ticket = session.get(HandoffTicket, first)
        assert (ticket.status, ticket.close_reason, ticket.agent_id) == ("closed", "resolved", alice)
        assert ticket.callback_note.endswith("小王：已寄修")
        assert [t.id for t in messages.messages_left(session)] == [second]
        with pytest.raises(tickets.TicketError):
            messages.close_message(session, first, alice, "小王")  # once


@pytest.mark.parametrize("status, note", [("done", ""), ("", ""), ("called", "好" * 501)])
def test_a_bad_change_is_refused_and_changes_nothing(database, status, note):
    ticket_id, alice = left_message(), agent()
    with transaction() as session:
        with pytest.raises(tickets.TicketError):
            messages.set_callback_status(session, ticket_id, status, alice, "小王", note)
    with transaction() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        assert (ticket.callback_status, ticket.callback_note, ticket.called_at) == ("to_call", None, None)


def test_a_live_conversation_or_a_claimed_message_is_not_on_the_list(database):
    with transaction() as session:
        live = tickets.open_ticket(session, "live-1", "rest", "request", {}).id
    taken, alice = left_message(), agent()
    with transaction() as session:
        assert tickets.claim(session, taken, alice)  # taken into a chat
        for ticket_id in (live, taken, 999999):
            with pytest.raises(tickets.TicketError):
                messages.set_callback_status(session, ticket_id, "called", alice, "小王")
        assert messages.messages_left(session) == []


def test_two_agents_closing_the_same_message_at_once_one_wins(database):
    ticket_id = left_message()
    agents = [agent(f"agent-{n}") for n in range(4)]
    results, barrier = [], threading.Barrier(len(agents))

    def close(agent_id):
        barrier.wait()
        try:
            with transaction() as session:
                messages.close_message(session, ticket_id, agent_id, str(agent_id))
            results.append(agent_id)
        except tickets.TicketError:
            results.append(None)

    threads = [threading.Thread(target=close, args=(a,)) for a in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    with transaction() as session:
        assert session.get(HandoffTicket, ticket_id).agent_id == winners[0]
