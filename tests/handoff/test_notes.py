"""Internal notes and tags on tickets, on SQLite and PostgreSQL; history search finds a whole tag."""

import pytest

from bot.handoff import notes, tickets
from bot.handoff.agents import create_agent
from bot.handoff.history import Search, closed_conversations
from bot.handoff.tickets import TicketError
from bot.store.db import transaction


def closed_ticket(session, conversation="c1"):
    agent = create_agent(session, f"agent-{conversation}", "小A", "correct horse")
    ticket = tickets.open_ticket(session, conversation, "rest", "request", {})
    assert tickets.claim(session, ticket.id, agent.id) and tickets.close(session, ticket.id, agent.id)
    return ticket.id, agent.id


def test_tags_are_trimmed_deduplicated_and_limited():
    assert notes.normalised_tags([" 退款, 待寄修 ", "#退款", "VIP", "vip"]) == ["退款", "待寄修", "VIP"]
    assert notes.normalised_tags(["退款；投诉，加急"]) == ["退款", "投诉", "加急"]
    with pytest.raises(TicketError, match="每个标签不超过 12 字"):
        notes.normalised_tags(["长" * 13])
    with pytest.raises(TicketError, match="最多 8 个标签"):
        notes.normalised_tags([str(n) for n in range(9)])


def test_notes_are_kept_in_order_on_a_closed_ticket_too(database):
    with transaction() as session:
        ticket_id, agent_id = closed_ticket(session)
        notes.add_note(session, ticket_id, agent_id, " 已电话回访，客户满意 ")
        notes.add_note(session, ticket_id, None, "系统导入")
        assert [(n.text, n.kind, n.agent_id) for n in notes.notes_of(session, ticket_id)] == [
            ("已电话回访，客户满意", "note", agent_id), ("系统导入", "note", None)]
        with pytest.raises(TicketError, match="备注不能为空"):
            notes.add_note(session, ticket_id, agent_id, "   ")
        with pytest.raises(TicketError, match="不超过 500 字"):
            notes.add_note(session, ticket_id, agent_id, "长" * 501)
        with pytest.raises(LookupError):
            notes.add_note(session, 99999, agent_id, "x")


def test_history_search_finds_a_whole_tag_in_any_case(database):
    with transaction() as session:
        refund, _ = closed_ticket(session, "c1")
        other, _ = closed_ticket(session, "c2")
        assert notes.set_tags(session, refund, ["退款", "VIP"]) == ["退款", "VIP"]
        notes.set_tags(session, other, ["退款加急"])

    def found(text):
        with transaction() as session:
            return [t.id for t in closed_conversations(session, Search(text=text))[0]]

    assert found("退款") == [refund]  # a whole tag: not 退款加急
    assert found("#vip") == [refund]
    assert found("退款加急") == [other]
    with transaction() as session:
        assert notes.set_tags(session, refund, []) == []
        assert session.get(tickets.HandoffTicket, refund).tags is None
        with pytest.raises(LookupError):
            notes.set_tags(session, 99999, ["x"])
    assert found("退款") == []
