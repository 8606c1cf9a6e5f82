"""action_out_of_scope: an honest answer with the next step, the question kept for the knowledge team."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.out_of_scope import ActionOutOfScope
from bot.store.unanswered import recent_unanswered


def _tracker(text: str) -> Tracker:
    latest = {"text": text, "intent": {"name": "out_of_scope", "confidence": 0.93}, "entities": []}
    return Tracker.from_dict({"sender_id": "web-abc", "slots": {}, "latest_message": latest,
                              "events": [{"event": "user", "text": text, "parse_data": latest}], "paused": False,
                              "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"})


def test_the_question_is_answered_honestly_and_kept(database):
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionOutOfScope().run(dispatcher, _tracker("你们的路由器多少钱一台"), {})) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
    [question] = recent_unanswered()
    assert (question.text, question.reason, question.intent, question.confidence) == (
        "你们的路由器多少钱一台", "out_of_scope", "out_of_scope", 93)


def test_a_button_payload_is_not_a_question(database):
    asyncio.run(ActionOutOfScope().run(CollectingDispatcher(), _tracker("/out_of_scope"), {}))
    assert recent_unanswered() == []


def test_another_brands_device_is_told_apart_and_not_recorded_as_a_gap(database):
    dispatcher = CollectingDispatcher()
    current = _tracker("我的华为路由器坏了 你们能修吗")
    current.latest_message["other_brand"] = "华为"
    asyncio.run(ActionOutOfScope().run(dispatcher, current, {}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_other_brand"]
    assert dispatcher.messages[0]["brand"] == "华为" and recent_unanswered() == []
