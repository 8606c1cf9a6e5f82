from bot.core.escalation import transfer_keywords, wants_person_now
from bot.handoff.summary import build_summary


def user(text, intent, confidence=None):
    reading = {"name": intent, **({"confidence": confidence} if confidence is not None else {})}
    return {"event": "user", "text": text, "parse_data": {"intent": reading}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def bot(text):
    return {"event": "bot", "text": text}


def test_summary_for_the_agent():
    events = [
        user("你好", "greet"), bot("您好！"),
        user("查订单 tp 2026 1105 0017", "check_order_status"), bot("请提供手机号后 4 位"),
        user("8000", "inform"), {"event": "action", "name": "action_listen"},
        user("电话 13800138000，转人工", "request_human"),
    ] + [user(f"第{i}句", "inform") for i in range(3)]
    slots = {"order_id": "TP202611050017", "phone": "13800138000", "verified_phones": ["13800138000"],
             "verification_failures": 1, "requested_slot": None, "product": None}
    summary = build_summary(events, slots)
    assert summary["intents"] == ["greet", "check_order_status", "inform", "request_human"]
    assert summary["identifiers"] == {"order_id": ["TP202611050017"], "phone": ["138****8000"]}
    assert summary["slots"] == {"order_id": "TP202611050017", "phone": "138****8000"}
    assert len(summary["last_messages"]) == 6 and summary["last_messages"][-1] == {"from": "customer", "text": "第2句"}
    assert "13800138000" not in str(summary)


def test_an_answer_to_the_bots_question_is_information_and_an_unsure_reading_is_left_out():
    events = [
        user("我的订单一直没到", "check_order_status", 0.99), slot("requested_slot", "order_id"),
        user("TP202612050001", "inform", 0.99), slot("order_id", "TP202612050001"),
        slot("requested_slot", "phone_last4"),
        user("8000", "rate_service", 0.74), slot("phone_last4", "8000"),  # the form's answer, not a rating
        slot("requested_slot", None), bot("订单 TP202612050001 状态：已发货"),
        slot("order_id", None), slot("phone_last4", None),  # the look-up form empties its slots
        user("嗯嗯", "affirm", 0.41),  # unsure: not listed
        user("还是不行，转人工", "request_human", 1.0),
    ]
    summary = build_summary(events, {"order_id": None, "phone_last4": None, "lookups_locked": False})
    assert summary["intents"] == ["check_order_status", "inform", "request_human"]
    assert summary["slots"] == {"order_id": "TP202612050001"}  # filled earlier: the agent still needs it


def test_a_message_the_form_did_not_take_keeps_its_own_intent():
    events = [
        user("我要报修", "request_repair", 0.98), slot("requested_slot", "serial_number"),
        user("算了，转人工吧", "request_human", 0.99),  # not an answer: no serial number was filled
        slot("requested_slot", None),
    ]
    assert build_summary(events, {})["intents"] == ["request_repair", "request_human"]


def test_a_lock_shows_only_while_it_holds():
    locked = [slot("lookups_locked", True)]
    assert build_summary(locked, {"lookups_locked": True})["slots"] == {"lookups_locked": True}
    assert build_summary(locked, {"lookups_locked": False})["slots"] == {}


def test_immediate_transfer_keywords(monkeypatch):
    monkeypatch.delenv("HANDOFF_KEYWORDS", raising=False)
    assert wants_person_now("再不处理我就打12315") and wants_person_now("我要找律师")
    assert not wants_person_now("保修期多久") and not wants_person_now(None)
    monkeypatch.setenv("HANDOFF_KEYWORDS", "投诉, 经理")
    assert transfer_keywords() == ["投诉", "经理"] and wants_person_now("叫你们经理来")
    assert not wants_person_now("12315")
