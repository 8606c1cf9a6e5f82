"""action_suggest_faq on real trackers and the real knowledge base."""

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import pytest

from bot.actions.fallback import HUMAN_BUTTON, ActionSuggestFaq, consecutive_misses, knowledge_base
from bot.store.unanswered import recent_unanswered


@pytest.fixture(autouse=True)
def records(database):
    """Misses are kept for the knowledge team: every test has a database."""


def user(text: str, intent: str, ranking: List[str] = ()) -> Dict[str, Any]:
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.3},
        "entities": [],
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": f"faq/{key}", "confidence": 0.5 - i / 10}
                    for i, key in enumerate(ranking)
                ]
            }
        },
    }
    return {"event": "user", "text": text, "parse_data": parse_data}


def bot(action: str) -> Dict[str, Any]:
    return {"event": "action", "name": action}


def tracker(events: List[Dict[str, Any]]) -> Tracker:
    latest = next(e["parse_data"] for e in reversed(events) if e["event"] == "user")
    return Tracker.from_dict(
        {"sender_id": "customer-1", "slots": {}, "latest_message": latest, "events": events, "paused": False,
         "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    )


def run(events: List[Dict[str, Any]], followup: Optional[str] = None) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionSuggestFaq().run(dispatcher, tracker(events), {}))
    assert result == ([{"event": "followup", "timestamp": None, "name": followup}] if followup else [])
    return dispatcher.messages


def test_first_miss_suggests_top_three_entries_and_a_person():
    ranking = ["warranty_period", "warranty_coverage", "warranty_claim", "repair_process"]
    [message] = run([user("保修的事", "nlu_fallback", ranking)])
    assert message["response"] == "utter_did_you_mean"
    titles = [knowledge_base().entry(key).title for key in ranking[:3]]
    assert message["buttons"] == [{"title": t, "payload": t} for t in titles] + [HUMAN_BUTTON]


def test_second_miss_in_a_row_hands_over_to_a_person():
    events = [
        user("嗯那个", "nlu_fallback", ["warranty_period"]), bot("action_suggest_faq"),
        user("就是那个啊", "nlu_fallback", ["warranty_period"]),
    ]
    [message] = run(events, followup="action_handoff")
    assert message["response"] == "utter_fallback_to_human"


def test_an_understood_message_resets_the_count():
    events = [
        user("嗯那个", "nlu_fallback", ["warranty_period"]), bot("action_suggest_faq"),
        user("保修期多久", "faq", ["warranty_period"]), bot("utter_faq"),
        user("另一个问题呢", "nlu_fallback", ["refund_method", "return_policy", "return_process"]),
    ]
    assert consecutive_misses(tracker(events)) == 1
    [message] = run(events)
    assert message["response"] == "utter_did_you_mean"


def test_unknown_or_missing_ranking_falls_back_to_asking_again():
    [message] = run([user("？？", "nlu_fallback", ["no_such_entry"])])
    assert message["response"] == "utter_default"


def test_every_miss_is_kept_for_the_knowledge_team():
    ranking = ["warranty_period", "warranty_coverage"]
    run([user("那个保修的事儿咋弄", "nlu_fallback", ranking)])
    [question] = recent_unanswered()
    assert (question.text, question.reason, question.conversation_id) == ("那个保修的事儿咋弄", "fallback", "customer-1")
    assert question.intent == "faq/warranty_period"


def close(text: str, entries: List[str]) -> Dict[str, Any]:
    event = user(text, "nlu_fallback", entries)
    event["parse_data"]["close_entries"] = [f"faq/{key}" for key in entries]
    return event


def test_a_question_between_two_entries_asks_which_one_with_both():
    [message] = run([close("东西拆开了还能退不", ["return_policy", "warranty_exclusions"])])
    assert message["response"] == "utter_which_entry"
    titles = [knowledge_base().entry(key).title for key in ("return_policy", "warranty_exclusions")]
    assert message["buttons"] == [{"title": t, "payload": t} for t in titles] + [HUMAN_BUTTON]
    assert recent_unanswered() == []  # understood well enough to ask: not a miss


def test_asking_which_entry_is_not_a_miss_towards_the_hand_over():
    events = [close("东西拆开了还能退不", ["return_policy", "warranty_exclusions"]), bot("action_suggest_faq"),
              user("就是那个啊", "nlu_fallback", ["warranty_period"])]
    assert consecutive_misses(tracker(events)) == 1
    [message] = run(events)
    assert message["response"] == "utter_did_you_mean"
