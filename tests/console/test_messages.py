"""Messages left (留言) on the real Rasa server: kept out of the live queue, worked from the call-back list."""

from bot.store.db import get_engine, transaction
from bot.store.models import HandoffTicket
from tests.conftest import Chat, RasaServer, response_text, texts
from tests.console.conftest import nobody_online


def left_message(chat: Chat) -> int:
    """The customer asks for a person while no agent is online, then writes what they need."""
    nobody_online(chat.server)
    assert response_text("utter_handoff_no_agent").split("。")[0] in texts(chat.say("转人工"))
    chat.say("路由器坏了，请回电话 13800138000")
    ticket = chat.ticket()
    assert ticket.leave_message == 1 and ticket.callback_status == "to_call"
    return ticket.id


def test_a_message_left_is_in_the_call_back_list_not_in_the_live_queue(chat: Chat, rasa_server: RasaServer,
                                                                        new_agent):
    ticket_id = left_message(chat)
    agent = new_agent()
    queue = agent.get("/queue").json()
    assert ticket_id not in [t["id"] for t in queue["waiting"]]
    assert queue["messages"]["to_call"] >= 1
    listed = {t["id"]: t for t in agent.get("/messages").json()["messages"]}
    assert listed[ticket_id]["callback_label"] == "待回电" and listed[ticket_id]["status_label"] == "留言"

    live = Chat(rasa_server)  # a customer who asks now (an agent is online) queues behind live customers only
    ahead = len(queue["waiting"])
    reply = texts(live.say("转人工"))
    assert live.ticket().leave_message == 0 and f"第 {ahead + 1} 位" in reply


def test_an_agent_calls_back_notes_it_and_closes_the_message(chat: Chat, new_agent):
    ticket_id = left_message(chat)
    agent = new_agent()
    assert agent.post(f"/messages/{ticket_id}/callback", {"status": "called", "note": "无人接听"}).status_code == 200
    assert agent.post(f"/messages/{ticket_id}/callback", {"status": "to_call"}).status_code == 200
    assert agent.post(f"/messages/{ticket_id}/callback", {"status": "called", "note": "已联系，寄修"}).status_code == 200
    detail = agent.get(f"/tickets/{ticket_id}").json()["ticket"]
    assert detail["callback_label"] == "已回电" and detail["caller"].startswith("客服")
    notes = detail["callback_note"].splitlines()
    assert len(notes) == 2 and notes[0].endswith("：无人接听") and notes[1].endswith("：已联系，寄修")
    assert chat.paused()  # called but not closed: the conversation still belongs to the message

    assert agent.post(f"/messages/{ticket_id}/close", {"note": "已寄修"}).status_code == 200
    ticket = chat.ticket()
    assert ticket.status == "closed" and ticket.close_reason == "resolved" and ticket.agent_id is not None
    assert not chat.paused()
    assert response_text("utter_ask_service_rating") in texts(chat.outbox())
    assert ticket_id not in [t["id"] for t in agent.get("/messages").json()["messages"]]


def test_a_message_left_can_be_taken_into_a_chat(chat: Chat, new_agent):
    ticket_id = left_message(chat)
    agent = new_agent()
    assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "您好，看到您的留言了"}).status_code == 200
    assert "看到您的留言了" in texts(chat.outbox())
    # taken: no longer a message to call back, and the call-back routes refuse it
    assert agent.post(f"/messages/{ticket_id}/callback", {"status": "called"}).status_code == 409
    assert agent.post(f"/messages/{ticket_id}/close").json()["error"] == "这条留言已被处理或已接入会话"


def test_bad_call_back_requests_are_refused_with_a_reason(chat: Chat, rasa_server: RasaServer, new_agent):
    agent = new_agent()
    live = Chat(rasa_server)
    live.say("转人工")  # a live conversation (an agent is online), not a message left
    assert agent.post(f"/messages/{live.ticket().id}/callback", {"status": "called"}).status_code == 409
    ticket_id = left_message(chat)
    agent = new_agent()
    for body in ({"status": "done"}, {"status": ""}, {"status": ["called"]}):
        assert agent.post(f"/messages/{ticket_id}/callback", body).json()["error"] == "未知的回电状态"
    too_long = agent.post(f"/messages/{ticket_id}/callback", {"status": "called", "note": "好" * 501})
    assert too_long.status_code == 409 and "500" in too_long.json()["error"]
    assert agent.post("/messages/99999999/close").status_code == 409
    assert agent.http.post(f"/api/messages/{ticket_id}/close", data={"note": "x"}).status_code == 415
    assert agent.get("/messages/abc/close").status_code == 404
    with transaction(get_engine(rasa_server.database)) as session:
        ticket = session.get(HandoffTicket, ticket_id)
        assert (ticket.status, ticket.callback_status, ticket.callback_note) == ("waiting", "to_call", None)
