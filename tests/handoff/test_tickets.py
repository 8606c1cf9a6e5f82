import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.handoff import tickets
from bot.handoff.agents import create_agent
from bot.store.db import get_engine, transaction
from bot.store.models import HandoffTicket


def new_ticket(conversation="c1", reason="request"):
    with transaction() as session:
        ticket = tickets.open_ticket(session, conversation, "rest", reason, {"intents": ["request_human"]},
                                     customer_name="张三", masked_phone="138****8000")
        return ticket.id


def agents(*names):
    with transaction() as session:
        return [create_agent(session, name, name, "correct horse").id for name in names]


def state(ticket_id):
    with transaction() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        return ticket.status, ticket.agent_id


def test_one_open_ticket_per_conversation_with_queue_positions(database):
    first, again, second = new_ticket("c1"), new_ticket("c1"), new_ticket("c2")
    assert first == again != second
    with transaction() as session:
        positions = [tickets.queue_position(session, session.get(HandoffTicket, t)) for t in (first, second)]
        assert positions == [1, 2]
        assert [t.id for t in tickets.waiting_queue(session)] == [first, second]
        assert json.loads(session.get(HandoffTicket, first).summary) == {"intents": ["request_human"]}
    assert tickets.expected_wait_minutes(position=2, agents_online=1) == 10
    assert tickets.expected_wait_minutes(position=3, agents_online=2) == 8


def test_waiting_assigned_closed_and_rated(database):
    ticket = new_ticket()
    alice, bob = agents("alice", "bob")
    with transaction() as session:
        assert tickets.claim(session, ticket, alice)
        assert not tickets.claim(session, ticket, bob)  # already taken
    assert state(ticket) == ("assigned", alice)
    with transaction() as session:
        assert not tickets.close(session, ticket, bob)  # not bob's
        with pytest.raises(tickets.TicketError):
            tickets.touch(session, ticket, bob)
        tickets.touch(session, ticket, alice)
        assert tickets.close(session, ticket, alice)
        tickets.rate(session, ticket, 5)
        with pytest.raises(tickets.TicketError):
            tickets.rate(session, ticket, 4)  # once
    with transaction() as session:
        closed = session.get(HandoffTicket, ticket)
        assert (closed.status, closed.close_reason, closed.rating) == ("closed", "resolved", 5)
    assert new_ticket() != ticket  # a closed ticket is not reused


def test_a_supervisor_may_close_another_agents_ticket(database):
    ticket = new_ticket()
    alice, supervisor = agents("alice", "lead")
    with transaction() as session:
        tickets.claim(session, ticket, alice)
        assert tickets.close(session, ticket, supervisor, allow_other_agents=True)


def test_transfer_back_and_idle_agents_requeue(database):
    first, second = new_ticket("c1"), new_ticket("c2")
    alice, = agents("alice")
    with transaction() as session:
        tickets.claim(session, first, alice)
        tickets.claim(session, second, alice)
        assert tickets.release(session, first, alice)
    assert state(first) == ("waiting", None)
    later = datetime.now(timezone.utc) + timedelta(minutes=11)
    with transaction() as session:
        assert tickets.requeue_idle(session, timedelta(minutes=10), now=later) == [second]
    assert state(second) == ("waiting", None)


def test_the_customer_cancels_waiting(database):
    ticket = new_ticket("c9")
    with transaction() as session:
        assert tickets.cancel(session, "c9")
        assert not tickets.cancel(session, "c9")
    with transaction() as session:
        assert session.get(HandoffTicket, ticket).close_reason == "cancelled_by_customer"


def test_ratings_are_1_to_5(database):
    with pytest.raises(tickets.TicketError):
        with transaction() as session:
            tickets.rate(session, new_ticket(), 6)


def test_two_agents_claiming_at_once_exactly_one_wins(database):
    ticket = new_ticket()
    ids = agents(*[f"agent{i}" for i in range(6)])
    engine = get_engine(database)
    start, results = threading.Barrier(len(ids)), []

    def try_claim(agent_id):
        start.wait()
        with transaction(engine) as session:
            results.append((agent_id, tickets.claim(session, ticket, agent_id)))

    threads = [threading.Thread(target=try_claim, args=(agent_id,)) for agent_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [agent_id for agent_id, won in results if won]
    assert len(results) == len(ids) and len(winners) == 1
    assert state(ticket) == ("assigned", winners[0])


def test_the_gates_look_up_reads_the_newest_tickets_state(database):
    from bot.store.handoffs import latest_ticket_state

    assert latest_ticket_state("c10") is None  # never handed off
    new_ticket("c10")
    state_now = latest_ticket_state("c10")
    assert (state_now.status, state_now.channel, state_now.acknowledged_at, state_now.is_open) == (
        "waiting", "rest", None, True)
    with transaction() as session:
        tickets.cancel(session, "c10")
    assert latest_ticket_state("c10").status == "closed" and not latest_ticket_state("c10").is_open
    new_ticket("c10")  # handed off again: the newest ticket counts
    assert latest_ticket_state("c10").is_open



def left_message(conversation):
    with transaction() as session:
        return tickets.open_ticket(session, conversation, "wechat", "request", {}, leave_message=True).id


def test_messages_left_wait_outside_the_live_queue(database):
    night = [left_message(f"night-{n}") for n in range(6)]  # six messages left overnight
    morning = new_ticket("morning")
    with transaction() as session:
        assert tickets.queue_position(session, session.get(HandoffTicket, morning)) == 1
        assert tickets.queue_position(session, session.get(HandoffTicket, night[0])) == 0
        assert [t.id for t in tickets.waiting_queue(session)] == [morning]
        assert session.get(HandoffTicket, night[0]).callback_status == "to_call"
        assert session.get(HandoffTicket, morning).callback_status is None


def test_the_wait_is_estimated_from_the_agents_recent_handling_times(database):
    alice, = agents("alice")
    now = datetime.now(timezone.utc)
    with transaction() as session:
        assert tickets.recent_handling_minutes(session) is None  # nothing closed yet: the configured 5 minutes
        for n, minutes in enumerate([2, 4, 12, 30]):
            ticket = session.get(HandoffTicket, tickets.open_ticket(session, f"done-{n}", "rest", "request", {}).id)
            ticket.status, ticket.agent_id, ticket.close_reason = "closed", alice, "resolved"
            ticket.assigned_at, ticket.closed_at = now - timedelta(minutes=minutes + 1), now - timedelta(minutes=1)
        old = session.get(HandoffTicket, tickets.open_ticket(session, "last-month", "rest", "request", {}).id)
        old.status, old.close_reason = "closed", "resolved"
        old.assigned_at, old.closed_at = now - timedelta(days=30, hours=5), now - timedelta(days=30)
    with transaction() as session:
        handling = tickets.recent_handling_minutes(session)
    assert handling == pytest.approx(8)  # the median of 2, 4, 12, 30; last month's 5-hour one left out
    assert tickets.expected_wait_minutes(3, 2, handling) == 12
    assert tickets.expected_wait_minutes(3, 2, None) == 8  # HANDOFF_MINUTES_PER_TICKET, default 5
