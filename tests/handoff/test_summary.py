from bot.core.escalation import transfer_keywords, wants_person_now
from bot.handoff.summary import build_summary


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


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


def test_immediate_transfer_keywords(monkeypatch):
    monkeypatch.delenv("HANDOFF_KEYWORDS", raising=False)
    assert wants_person_now("再不处理我就打12315") and wants_person_now("我要找律师")
    assert not wants_person_now("保修期多久") and not wants_person_now(None)
    monkeypatch.setenv("HANDOFF_KEYWORDS", "投诉, 经理")
    assert transfer_keywords() == ["投诉", "经理"] and wants_person_now("叫你们经理来")
    assert not wants_person_now("12315")
