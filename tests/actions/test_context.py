"""bot.actions.context: which task an identifier continues, from the conversation's last turns."""

from rasa_sdk.events import ActionExecuted, SlotSet, UserUtteranceReverted

from bot.actions.context import continued_task, identifiers_in, recent_topics, reread_as


def _user(intent, faq_key=None):
    parse_data = {"intent": {"name": intent}}
    if faq_key:
        parse_data["response_selector"] = {"faq": {"response": {"intent_response_key": faq_key}}}
    return {"event": "user", "parse_data": parse_data}


def test_topics_come_from_earlier_turns_newest_first():
    events = [_user("check_warranty"), {"event": "bot"}, _user("faq", "faq/return_policy"), _user("greet"),
              _user("inform")]
    assert recent_topics(events) == ["request_return", "check_warranty"]


def test_an_order_number_continues_a_return_or_is_looked_up():
    assert continued_task({"order_id": "TP1"}, ["request_return"]) == ("request_return", "order_id", "TP1")
    assert continued_task({"order_id": "TP1"}, ["check_warranty"]) == ("check_order_status", "order_id", "TP1")
    assert continued_task({"serial_number": "SN1"}, ["request_repair"]) == ("request_repair", "serial_number", "SN1")
    assert continued_task({"serial_number": "SN1"}, []) == ("check_warranty", "serial_number", "SN1")
    assert continued_task({}, ["request_return"]) is None


def test_only_look_up_identifiers_are_routed():
    message = {"entities": [{"entity": "phone", "value": "8000"}, {"entity": "repair_id", "value": "WX1"}]}
    assert identifiers_in(message) == {"repair_id": "WX1"}
    assert identifiers_in({"entities": [{"entity": "phone", "value": "13800138000"}]}) == {}


def test_the_message_is_given_again_as_the_tasks_request():
    message = {"text": "TP202611050017", "intent": {"name": "inform", "confidence": 0.9},
               "entities": [{"entity": "order_id", "value": "TP202611050017"}], "input_channel": "rest"}
    events = reread_as(message, "check_order_status", "order_id", "TP202611050017")
    assert events[0] == UserUtteranceReverted() and events[1] == ActionExecuted("action_listen")
    assert events[2]["event"] == "user" and events[2]["parse_data"]["intent"] == {
        "name": "check_order_status", "confidence": 1.0}
    assert events[2]["parse_data"]["entities"] == message["entities"] and events[2]["text"] == message["text"]
    assert events[3] == SlotSet("order_id", "TP202611050017")
    assert message["intent"]["name"] == "inform"  # the tracker's copy is left alone


def test_a_bare_tail_is_recognised_with_or_without_its_label():
    from bot.identifiers import bare_tail

    assert bare_tail("8000") == "8000" and bare_tail("尾号8000") == "8000" and bare_tail("后4位是 5678") == "5678"
    assert bare_tail("手机尾号：８０００") == "8000"
    assert bare_tail("12345") is None and bare_tail("8000 谢谢") is None and bare_tail(None) is None


def test_a_tail_continues_the_order_number_of_an_earlier_turn():
    from bot.actions.context import earlier_identifier

    with_order = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"},
                                                  "entities": [{"entity": "order_id", "value": "TP1"}]}}
    serial = {"event": "user", "parse_data": {"entities": [{"entity": "serial_number", "value": "SN1"}]}}
    latest = {"event": "user", "parse_data": {"intent": {"name": "inform"}}}
    assert earlier_identifier([with_order, {"event": "bot"}, latest]) == {"order_id": "TP1"}
    assert earlier_identifier([serial, latest]) == {}  # a warranty check asks no tail
    assert earlier_identifier([latest]) == {}
