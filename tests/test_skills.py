"""Every business task end to end: REST webhook → trained model → action server → database."""

from sqlalchemy import select

from bot.store.db import get_engine, transaction
from bot.store.models import Complaint, Repair, ReturnRequest
from tests.conftest import Chat, buttons, response_text, texts


def test_order_status_with_verification(chat: Chat, ids):
    assert texts(chat.say("帮我查一下订单")) == response_text("utter_ask_order_id")
    assert texts(chat.say(ids.shipped)) == response_text("utter_ask_phone_last4")
    reply = texts(chat.say("8000"))
    assert f"订单 {ids.shipped}" in reply and "已发货，运输中" in reply
    assert "顺丰速运，运单号 SF1234567890" in reply and "138****8000" in reply
    assert ids.zhang_phone not in reply


def test_a_verified_customer_looks_up_another_order_directly(chat: Chat, ids):
    assert texts(chat.say(f"查订单 {ids.shipped.lower()}")) == response_text("utter_ask_phone_last4")
    chat.say("尾号8000")
    reply = texts(chat.say(f"再帮我查一下{ids.returnable}"))
    assert f"订单 {ids.returnable}" in reply and "已签收" in reply


def test_wrong_and_unknown_order_numbers(chat: Chat, ids):
    chat.say("查询订单")
    reply = texts(chat.say("TP12345"))
    assert response_text("utter_invalid_order_id") in reply and response_text("utter_ask_order_id") in reply
    assert "没有找到订单 TP209901010001" in texts(chat.say("TP209901010001"))


def test_three_failed_checks_lock_lookups_and_hand_over(chat: Chat, ids):
    chat.say(f"查订单{ids.too_old}")
    assert "还可以再试 2 次" in texts(chat.say("1111"))
    assert "还可以再试 1 次" in texts(chat.say("2222"))
    replies = chat.say("3333")
    assert texts(replies).startswith(response_text("utter_lookups_locked"))
    assert chat.paused() and chat.ticket().reason == "verification"


def test_faq_inside_a_form_then_continue_then_stop(chat: Chat, ids):
    chat.say("查一下我的订单")
    replies = texts(chat.say("退款一般多久到账"))
    assert "原路退回" in replies and response_text("utter_ask_order_id") in replies
    assert texts(chat.say("算了，不查了")) == response_text("utter_form_stopped")
    assert "小T" in texts(chat.say("你好"))


def test_warranty_check(chat: Chat, ids):
    assert texts(chat.say("帮我查下保修")) == response_text("utter_ask_serial_number")
    replies = chat.say(ids.device_in.lower())
    reply = texts(replies)
    assert "TL-WR886N" in reply and "在保修期内" in reply and "24 个月" in reply
    assert {"title": "申请维修", "payload": "/request_repair"} in buttons(replies)
    assert "SN0NOTHERE00" in texts(chat.say("查一下SN0NOTHERE00的保修"))


def test_repair_status(chat: Chat, ids):
    assert texts(chat.say(f"维修单{ids.repair}修好了吗")) == response_text("utter_ask_phone_last4")
    reply = texts(chat.say("8000"))
    assert f"维修单 {ids.repair}" in reply and "维修中" in reply and "预计完成" in reply


def test_repair_request_is_filed(chat: Chat, ids):
    assert texts(chat.say("我要报修")) == response_text("utter_ask_serial_number")
    out_of_warranty, ask = chat.say(ids.device_out)  # 李四's device, bought 800 days ago: told it is paid first
    assert out_of_warranty["text"].startswith("这台设备的保修期已于") and "付费维修" in out_of_warranty["text"]
    assert ask["text"] == response_text("utter_ask_fault_description")
    assert texts(chat.say("路由器经常断线重启")) == response_text("utter_ask_contact_phone")
    confirmation = chat.say(ids.li_phone)
    assert "139****5678" in texts(confirmation) and "路由器经常断线重启" in texts(confirmation)
    reply = texts(chat.say("/affirm"))
    assert "维修申请已提交" in reply and "付费维修" in reply
    with transaction(get_engine(chat.server.database)) as session:
        repair = session.execute(select(Repair).where(Repair.conversation_id == chat.sender)).scalar_one()
        assert repair.serial_number == ids.device_out and repair.status == "submitted"
        assert repair.repair_id in reply


def test_return_is_filed(chat: Chat, ids):
    assert texts(chat.say("我要退货")) == response_text("utter_ask_order_id")
    chat.say(ids.returnable)
    assert texts(chat.say("8000")) == response_text("utter_ask_return_kind")
    assert texts(chat.say("退货")) == response_text("utter_ask_return_reason")
    reply = texts(chat.say("买错型号了"))
    assert "退货申请已提交" in reply
    with transaction(get_engine(chat.server.database)) as session:
        request = session.execute(
            select(ReturnRequest).where(ReturnRequest.conversation_id == chat.sender)).scalar_one()
        assert request.order_id == ids.returnable and request.kind == "return" and request.return_id in reply


def test_return_past_the_window_suggests_a_repair(chat: Chat, ids):
    chat.say(f"订单{ids.too_old}我要退")
    replies = chat.say("5678")
    assert "退换货期限已于" in texts(replies)
    assert {"title": "申请维修", "payload": "/request_repair"} in buttons(replies)


def test_complaint_is_filed(chat: Chat, ids):
    assert texts(chat.say("我要投诉")) == response_text("utter_ask_complaint_description")
    assert texts(chat.say("快递员态度很差，还乱扔包裹")) == response_text("utter_ask_complaint_order")
    assert texts(chat.say("没有")) == response_text("utter_ask_contact_phone")
    replies = chat.say(ids.zhang_phone)
    assert "投诉单号" in texts(replies) and "24 小时内" in texts(replies) and "138****8000" in texts(replies)
    assert {"title": "转人工", "payload": "/request_human"} in buttons(replies)
    with transaction(get_engine(chat.server.database)) as session:
        complaint = session.execute(select(Complaint).where(Complaint.conversation_id == chat.sender)).scalar_one()
        assert complaint.description == "快递员态度很差，还乱扔包裹" and complaint.order_id is None


def test_a_reason_that_looks_like_an_faq_is_taken_as_the_answer(chat: Chat, ids):
    assert texts(chat.say("我想换货")) == response_text("utter_ask_order_id")
    chat.say(ids.exchangeable)
    chat.say("8000")
    assert texts(chat.say("换货")) == response_text("utter_ask_return_reason")
    assert "换货申请已提交" in texts(chat.say("质量有问题"))


def test_a_question_while_describing_a_complaint_is_answered_first(chat: Chat):
    chat.say("我要投诉")
    replies = texts(chat.say("投诉一般多久有回复？"))
    assert "24 小时内" in replies and response_text("utter_ask_complaint_description") in replies


def test_a_repair_already_under_way_is_said_before_any_question(chat: Chat, ids):
    chat.say("我要报修")
    replies = chat.say(ids.device_in)
    assert texts(replies) == response_text("utter_repair_already_open")
    assert {"title": "查询维修进度", "payload": "/check_repair_status"} in buttons(replies)
