"""The hand-off actions on real trackers and a real database: queue, leave-a-message, cancel, resume, rating."""

import time
from datetime import timedelta

import pytest
from rasa_sdk import Tracker

from bot.actions.handoff import (
    ActionHandoff,
    ActionHandoffAcknowledge,
    ActionHandoffCancel,
    ActionHandoffResume,
    ActionRateService,
    handoff_reason,
    parse_rating,
)
from bot.handoff import tickets
from bot.handoff.agents import create_agent
from bot.handoff.sessions import mark_seen
from bot.store.db import transaction
from bot.store.models import HandoffTicket
from tests.actions.conftest import responses, run_events, tracker, verified

ALWAYS_OPEN = {"HANDOFF_HOURS": "00:00-24:00", "HANDOFF_DAYS": "1-7"}
LISTEN = {"event": "action", "timestamp": None, "name": "action_listen", "policy": None, "confidence": None}
PAUSED = [{"event": "pause", "timestamp": None}, LISTEN]
RESUMED = [{"event": "resume", "timestamp": None}, LISTEN]


@pytest.fixture
def open_hours(monkeypatch):
    for name, value in ALWAYS_OPEN.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def online_agent(database):
    with transaction() as session:
        agent = create_agent(session, "wang", "小王", "password-123")
        mark_seen(session, agent.id)
        return agent.id


def ticket_of(sender: str) -> HandoffTicket:
    with transaction() as session:
        ticket = tickets.open_ticket_for(session, sender) or session.query(HandoffTicket).filter_by(
            conversation_id=sender).order_by(HandoffTicket.id.desc()).first()
        session.expunge(ticket)
        return ticket


def handoff(sender: str = "customer-1", **kwargs) -> tuple:
    return run_events(ActionHandoff(), tracker(sender=sender, intent="request_human", text="转人工", **kwargs))


def test_in_hours_with_an_agent_online_the_customer_learns_place_and_wait(database, open_hours, online_agent):
    handoff("first")
    events, messages = handoff("second")
    assert events == PAUSED
    [message] = messages
    assert message["response"] == "utter_handoff_queued"
    assert (message["position"], message["wait"]) == (2, 10)  # 5 minutes per conversation ahead, one agent
    ticket = ticket_of("second")
    assert (ticket.status, ticket.reason, ticket.channel, ticket.leave_message) == ("waiting", "request", "rest", 0)


def test_out_of_hours_the_customer_may_leave_a_message(database, monkeypatch, online_agent):
    monkeypatch.setenv("HANDOFF_HOURS", "09:00-18:00")
    monkeypatch.setenv("HANDOFF_DAYS", "1-5")
    monkeypatch.setattr("bot.core.hours.WorkingHours.is_open", lambda self, now=None: False)  # e.g. Sunday
    events, [message] = handoff()
    assert events == PAUSED
    assert message["response"] == "utter_handoff_out_of_hours"
    assert message["hours"] == "工作日 9:00–18:00（北京时间）"
    assert ticket_of("customer-1").leave_message == 1  # still queued: an agent calls back


def test_with_nobody_online_the_customer_may_leave_a_message(database, open_hours):
    events, [message] = handoff()
    assert events == PAUSED and message["response"] == "utter_handoff_no_agent"
    assert ticket_of("customer-1").status == "waiting"


def test_asking_again_keeps_one_ticket(database, open_hours):
    handoff()
    handoff()
    with transaction() as session:
        assert session.query(HandoffTicket).filter_by(conversation_id="customer-1").count() == 1


def test_the_summary_masks_phones_and_keeps_what_the_bot_learned(database, open_hours, ids):
    handoff(slots={"order_id": ids.shipped, "contact_phone": ids.zhang_phone, "verified_phones": verified(ids.zhang_phone)})
    ticket = ticket_of("customer-1")
    assert ticket.masked_phone == "138****8000" and ticket.customer_name == "张三"
    assert ids.zhang_phone not in ticket.summary and ids.shipped in ticket.summary


@pytest.mark.parametrize(
    "text, intent, slots, previous, reason",
    [
        ("我要找律师", "request_human", {}, None, "keyword"),
        ("转人工", "request_human", {}, "action_submit_complaint", "complaint"),
        ("转人工", "request_human", {"lookups_locked": True}, None, "verification"),
        ("转人工", "request_human", {}, None, "request"),
    ],
)
def test_the_reason_for_the_hand_off(database, text, intent, slots, previous, reason):
    current = tracker(text=text, intent=intent, slots=slots)
    if previous:
        current.events.insert(0, {"event": "action", "name": previous})
    assert handoff_reason(current) == reason


def test_two_misses_in_a_row_are_a_fallback_reason():
    miss = {"event": "user", "text": "嗯嗯", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    current = Tracker.from_dict({
        "sender_id": "c", "slots": {}, "events": [miss, {"event": "action", "name": "action_suggest_faq"}, miss],
        "latest_message": miss["parse_data"] | {"text": "嗯嗯"}, "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_suggest_faq",
    })
    assert handoff_reason(current) == "fallback"


def test_cancelling_while_waiting_gives_the_conversation_back_to_the_bot(database, open_hours):
    handoff()
    events, messages = run_events(ActionHandoffCancel(), tracker(text="不用了", intent="deny"))
    assert events == RESUMED and responses(messages) == ["utter_handoff_cancelled"]
    ticket = ticket_of("customer-1")
    assert (ticket.status, ticket.close_reason) == ("closed", "cancelled_by_customer")


def test_cancelling_after_an_agent_took_over_is_too_late(database, open_hours, online_agent):
    handoff()
    with transaction() as session:
        assert tickets.claim(session, ticket_of("customer-1").id, online_agent)
    events, messages = run_events(ActionHandoffCancel(), tracker(text="不用了", intent="deny"))
    assert events == [LISTEN] and responses(messages) == ["utter_handoff_cancel_too_late"]
    assert ticket_of("customer-1").status == "assigned"


def after_notice(text: str, seconds_ago: float, notice: str = "utter_handoff_message_queued",
                 intent: str = "inform") -> Tracker:
    """A waiting customer's message `seconds_ago` after the bot told them where they stand."""
    current = tracker(text=text, intent=intent)
    told = {"event": "bot", "text": "…", "timestamp": time.time() - seconds_ago, "metadata": {"utter_action": notice}}
    current.events.insert(0, told)
    return current


def test_the_first_waiting_message_is_acknowledged_once_then_reminded_at_most_once_a_minute(
        database, open_hours, online_agent):
    handoff()
    _, messages = run_events(ActionHandoffAcknowledge(), tracker(text="屏幕碎了"))
    assert responses(messages) == ["utter_handoff_message_queued"] and messages[0]["position"] == 1
    _, messages = run_events(ActionHandoffAcknowledge(), after_notice("还在吗", seconds_ago=5))
    assert messages == []
    _, messages = run_events(ActionHandoffAcknowledge(), after_notice("还在吗", seconds_ago=90))
    assert responses(messages) == ["utter_handoff_still_waiting"] and messages[0]["position"] == 1
    _, messages = run_events(ActionHandoffAcknowledge(), after_notice("转人工", seconds_ago=5, intent="request_human"))
    assert responses(messages) == ["utter_handoff_still_waiting"]  # asking again is always answered


def test_a_left_message_is_acknowledged_with_the_24_hour_promise(database, open_hours):
    handoff()  # nobody online: leave a message
    _, messages = run_events(ActionHandoffAcknowledge(), tracker(text="屏幕碎了，电话13800138000"))
    assert responses(messages) == ["utter_handoff_message_left"]


def test_resume_says_the_bot_is_back_and_asks_for_a_rating():
    events, messages = run_events(ActionHandoffResume(), tracker())
    assert events == RESUMED
    assert responses(messages) == ["utter_handoff_resumed", "utter_ask_service_rating"]
    assert [b["payload"] for b in messages[1]["buttons"]][4] == '/rate_service{"rating":"5"}'


def closed_ticket(agent_id: int) -> int:
    handoff()
    with transaction() as session:
        ticket_id = ticket_of("customer-1").id
        tickets.claim(session, ticket_id, agent_id)
        tickets.close(session, ticket_id, agent_id)
        return ticket_id


def rate(text: str, rating_entity=None) -> list:
    current = tracker(text=text, intent="rate_service")
    if rating_entity is not None:
        current.latest_message["entities"] = [{"entity": "rating", "value": rating_entity}]
    _, messages = run_events(ActionRateService(), current)
    return messages


def test_the_rating_is_stored_on_the_closed_ticket(database, open_hours, online_agent):
    ticket_id = closed_ticket(online_agent)
    assert responses(rate('/rate_service{"rating":"4"}', "4")) == ["utter_rating_thanks"]
    with transaction() as session:
        assert session.get(HandoffTicket, ticket_id).rating == 4
    assert responses(rate("5分")) == ["utter_rating_nothing_to_rate"]  # rated once


def test_a_low_rating_gets_an_apology(database, open_hours, online_agent):
    closed_ticket(online_agent)
    assert responses(rate("很不满意")) == ["utter_rating_sorry"]


def test_no_rating_without_a_recently_closed_ticket(database, open_hours):
    assert responses(rate("5")) == ["utter_rating_nothing_to_rate"]


def test_an_unreadable_rating_is_asked_again(database, open_hours, online_agent):
    closed_ticket(online_agent)  # a rating was asked
    messages = rate("9分")
    assert responses(messages) == ["utter_rating_invalid"] and len(messages[0]["buttons"]) == 5


def test_a_number_when_no_rating_was_asked_is_not_a_rating(database, open_hours):
    assert responses(rate("8000")) == ["utter_ask_what_for"]  # e.g. a phone tail: what is it for?


def test_an_old_closed_ticket_is_not_rated(database, open_hours, online_agent):
    ticket_id = closed_ticket(online_agent)
    with transaction() as session:
        assert tickets.ticket_to_rate(session, "customer-1", within=timedelta(0)) is None
        assert tickets.ticket_to_rate(session, "customer-1").id == ticket_id


@pytest.mark.parametrize(
    "text, rating",
    [("5", 5), ("４分", 4), ("打3分吧", 3), ("五星", 5), ("一星", 1), ("非常满意", 5), ("满意", 4), ("一般", 3),
     ("不满意", 2), ("非常不满意", 1), ("0", None), ("6分", None), ("12", None), ("嗯", None)],
)
def test_parse_rating(text, rating):
    assert parse_rating(text) == rating
