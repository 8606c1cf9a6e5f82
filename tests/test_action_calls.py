"""bot.action_calls: the action server gets the conversation and the domain without answer texts."""

import copy
import json

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import action_calls
from bot.knowledge import PROJECT_ROOT

ANSWER = "TP 产品的保修期根据产品类别而定，一般为 1–3 年。"
FAQ_PARSE = {
    "intent": {"name": "faq", "confidence": 0.98},
    "entities": [],
    "text": "保修期多久",
    "intent_ranking": [{"name": "faq", "confidence": 0.98}],
    "response_selector": {
        "all_retrieval_intents": ["faq"],
        "faq": {"response": {"responses": [{"text": ANSWER}], "confidence": 0.91,
                             "intent_response_key": "faq/warranty_period", "utter_action": "utter_faq/warranty_period"},
                "ranking": [{"intent_response_key": "faq/warranty_period", "confidence": 0.91}]},
    },
}


def _tracker(domain: Domain) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("web-abc", [
        ActionExecuted("action_listen"),
        UserUttered("保修期多久", parse_data=copy.deepcopy(FAQ_PARSE)),
        ActionExecuted("utter_faq"),
        ActionExecuted("action_listen"),
        UserUttered("TP202611050017", parse_data={"intent": {"name": "inform", "confidence": 0.99}, "entities": [],
                                                   "text": "TP202611050017"}),
        SlotSet("order_id", "TP202611050017"),
    ], slots=domain.slots)
    return tracker


def test_the_call_leaves_out_answer_texts_and_keeps_what_actions_read():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = _tracker(domain)
    action = RemoteAction("validate_order_status_form", EndpointConfig("http://127.0.0.1:1/webhook"))
    rasas = RemoteAction._action_call_format(action, tracker, domain)
    ours = action_calls.action_call(action, tracker, domain)

    assert "responses" in rasas["domain"] and "responses" not in ours["domain"]
    assert {key: value for key, value in rasas["domain"].items() if key != "responses"} == ours["domain"]
    assert ANSWER not in json.dumps(ours, ensure_ascii=False)
    faq_turn = next(event for event in ours["tracker"]["events"] if event.get("text") == "保修期多久")["parse_data"]
    assert faq_turn["intent"] == FAQ_PARSE["intent"] and faq_turn["text"] == "保修期多久"
    selection = faq_turn["response_selector"]["faq"]
    assert selection["response"]["intent_response_key"] == "faq/warranty_period"
    assert selection["ranking"] == FAQ_PARSE["response_selector"]["faq"]["ranking"]
    for key in ("next_action", "sender_id", "version"):
        assert ours[key] == rasas[key]
    assert {key: value for key, value in ours["tracker"].items() if key != "events"} == {
        key: value for key, value in rasas["tracker"].items() if key != "events"}  # slots, latest message
    assert len(ours["tracker"]["events"]) == len(rasas["tracker"]["events"])


def test_the_conversation_itself_keeps_its_answer_texts():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = _tracker(domain)
    action_calls.action_call(RemoteAction("action_submit_return", None), tracker, domain)
    faq_turn = next(event for event in tracker.events if isinstance(event, UserUttered))
    assert faq_turn.parse_data["response_selector"]["faq"]["response"]["responses"] == [{"text": ANSWER}]


def test_the_domain_dictionary_is_built_once_per_domain():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert action_calls.action_domain(domain) is action_calls.action_domain(domain)
    assert action_calls.action_domain(Domain.load(str(PROJECT_ROOT / "domain.yml"))) is not action_calls.action_domain(
        domain)
