"""What the agents' alerts are made of, on the real Rasa server: each customer message after the hand-off counted
on the ticket, the assigned agent's unread count, the conversation's preview."""

import time

import httpx

from tests.conftest import Chat
from tests.console.conftest import Console


def listed(agent: Console, ticket_id: int) -> dict:
    queue = agent.get("/queue").json()
    return next(t for t in queue["waiting"] + queue["mine"] if t["id"] == ticket_id)


def test_unread_messages_are_counted_until_the_agent_has_seen_them(chat: Chat, new_agent):
    agent = new_agent()
    chat.say("我的路由器 5G 信号老是断")
    chat.say("转人工")
    ticket_id = chat.ticket().id
    waiting = listed(agent, ticket_id)
    assert waiting["preview"] == "我的路由器 5G 信号老是断"  # what it is about, not "转人工"
    assert waiting["unread"] == 0

    chat.say("有人吗 我的电话 13800138000")  # while waiting: for the agent, counted, phone masked in the preview
    assert listed(agent, ticket_id)["preview"] == "有人吗 我的电话 138****8000"
    assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
    assert listed(agent, ticket_id)["unread"] == 1

    chat.say("就是晚上会断")
    chat.say("白天还好")
    mine = listed(agent, ticket_id)
    assert (mine["unread"], mine["preview"]) == (3, "白天还好")
    assert mine["last_customer_at"]

    assert agent.post(f"/tickets/{ticket_id}/read").status_code == 200
    assert listed(agent, ticket_id)["unread"] == 0
    chat.say("在吗")
    assert listed(agent, ticket_id)["unread"] == 1


def test_only_the_assigned_agent_marks_a_conversation_read(chat: Chat, new_agent):
    owner, other = new_agent(), new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    assert other.post(f"/tickets/{ticket_id}/read").status_code == 409  # waiting: nobody's yet
    assert owner.post(f"/tickets/{ticket_id}/claim").status_code == 200
    chat.say("你好")
    assert other.post(f"/tickets/{ticket_id}/read").json() == {"error": "这个会话不在您的服务中"}
    assert owner.post("/tickets/999999/read").status_code == 409
    assert owner.http.post(f"/api/tickets/{ticket_id}/read", data="x").status_code == 415
    assert listed(owner, ticket_id)["unread"] == 1


def test_a_long_message_is_a_one_line_preview(chat: Chat, new_agent):
    agent = new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    chat.say("第一行\n\n" + "很长的描述" * 30)
    preview = listed(agent, ticket_id)["preview"]
    assert preview.startswith("第一行 很长的描述") and "\n" not in preview
    assert len(preview) == 60 and preview.endswith("…")


def test_only_the_assigned_agent_signals_typing_and_it_counts_as_activity(chat: Chat, new_agent, rasa_server):
    owner, other = new_agent(), new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    assert httpx.post(f"{rasa_server.url}/console/api/tickets/{ticket_id}/typing", json={},
                      timeout=30).status_code == 401
    assert owner.post(f"/tickets/{ticket_id}/typing").status_code == 409  # waiting: nobody's yet
    assert owner.post(f"/tickets/{ticket_id}/claim").status_code == 200
    claimed_activity = chat.ticket().last_agent_activity_at
    assert other.post(f"/tickets/{ticket_id}/typing").json() == {"error": "这个会话不在您的服务中"}
    time.sleep(0.01)
    assert owner.post(f"/tickets/{ticket_id}/typing").json() == {"ok": True}  # REST has no indicator: nothing sent
    assert chat.ticket().last_agent_activity_at > claimed_activity  # not taken back as idle while writing
    assert owner.http.post(f"/api/tickets/{ticket_id}/typing", data="x").status_code == 415
