"""The REST channel: request validation and the outbox that clients poll."""

import httpx
import pytest

from tests.conftest import Chat, RasaServer


@pytest.mark.parametrize(
    "body",
    [{"message": "你好"}, {"sender": "", "message": "你好"}, {"sender": "x" * 256, "message": "你好"},
     {"sender": "a", "message": 5}, {"sender": "a", "message": "你好", "metadata": "x"}, ["not", "an", "object"]],
)
def test_malformed_requests_get_a_clear_400(rasa_server: RasaServer, body):
    reply = httpx.post(f"{rasa_server.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert reply.status_code == 400 and reply.json()["error"]


@pytest.mark.parametrize("params", [{}, {"sender": "a", "after": "-1"}, {"sender": "a", "after": "x"}])
def test_the_outbox_needs_a_sender_and_a_cursor(rasa_server: RasaServer, params):
    reply = httpx.get(f"{rasa_server.url}/webhooks/rest/outbox", params=params, timeout=30)
    assert reply.status_code == 400


def test_the_outbox_is_per_customer_and_paged_by_id(chat: Chat, rasa_server: RasaServer, new_agent):
    chat.say("转人工")
    agent = new_agent()
    ticket_id = chat.ticket().id
    agent.post(f"/tickets/{ticket_id}/claim")
    agent.post(f"/tickets/{ticket_id}/reply", {"text": "第一条"})
    agent.post(f"/tickets/{ticket_id}/reply", {"text": "第二条"})
    messages = chat.outbox()
    assert [m["text"] for m in messages][-2:] == ["第一条", "第二条"]
    assert [m["text"] for m in chat.outbox(after=messages[-2]["id"])] == ["第二条"]
    assert Chat(rasa_server).outbox() == []  # another customer sees none of it


def test_the_client_cannot_choose_the_channel(chat: Chat):
    httpx.post(f"{chat.server.url}/webhooks/rest/webhook",
               json={"sender": chat.sender, "message": "转人工", "input_channel": "wechat"}, timeout=30)
    assert chat.ticket().channel == "rest"
