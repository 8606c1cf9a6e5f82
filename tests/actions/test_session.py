"""Session start and /restart keep a conversation that a person owns paused."""

from bot.actions.handoff import ActionHandoff
from bot.actions.session import ActionRestart, ActionSessionStart
from tests.actions.conftest import responses, run_events, tracker


def event_names(events):
    return [event["event"] for event in events]


def test_a_new_session_carries_slots_over(database):
    events, _ = run_events(ActionSessionStart(), tracker(slots={"order_id": "TP202611050017"}))
    assert event_names(events)[0] == "session_started" and event_names(events)[-1] == "action"
    assert {"event": "slot", "timestamp": None, "name": "order_id", "value": "TP202611050017"} in events
    assert "pause" not in event_names(events)


def test_a_new_session_during_a_hand_off_stays_paused(database):
    run_events(ActionHandoff(), tracker(intent="request_human", text="转人工"))
    events, _ = run_events(ActionSessionStart(), tracker())
    assert event_names(events)[-2:] == ["pause", "action"]  # paused, then listening


def test_restart_starts_over_without_a_hand_off(database):
    events, messages = run_events(ActionRestart(), tracker(text="/restart", intent="restart"))
    assert event_names(events) == ["restart"] and messages == []


def test_restart_is_refused_during_a_hand_off(database):
    run_events(ActionHandoff(), tracker(intent="request_human", text="转人工"))
    events, messages = run_events(ActionRestart(), tracker(text="/restart", intent="restart"))
    assert event_names(events) == ["rewind"] and responses(messages) == ["utter_restart_during_handoff"]
