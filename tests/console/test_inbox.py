"""The knowledge team's inbox on the real Rasa server: what the bot could not answer reaches it, grouped; only the
knowledge team and supervisors see it."""

import httpx
import pytest

from tests.conftest import Chat, RasaServer


@pytest.mark.parametrize("method, path", [("GET", "/api/inbox"), ("POST", "/api/inbox/dismiss")])
def test_the_inbox_needs_a_logged_in_agent(rasa_server: RasaServer, method: str, path: str):
    reply = httpx.request(method, f"{rasa_server.url}/console{path}", json={}, timeout=30)
    assert reply.status_code == 401


def test_a_question_the_bot_could_not_answer_reaches_the_inbox(chat: Chat, rasa_server: RasaServer, new_agent,
                                                                supervisor):
    chat.say("今天天气怎么样")
    Chat(rasa_server).say("今天天气怎么样？")  # another customer, another spelling
    group = next(g for g in supervisor.get("/inbox").json()["groups"] if g["text"].startswith("今天天气怎么样"))
    assert group["reasons"] == ["超出范围"]
    assert group["count"] >= 2 and len(group["ids"]) == group["count"]
    assert supervisor.get("/me").json()["agent"]["knowledge"] is True

    agent = new_agent()
    assert agent.get("/me").json()["agent"]["knowledge"] is False
    assert agent.get("/inbox").json() == {"error": "只有知识库维护人员和主管可以处理未解答问题"}
    assert agent.post("/inbox/dismiss", {"ids": group["ids"]}).status_code == 403

    for body in ({}, {"ids": []}, {"ids": ["1"]}, {"ids": [True]}):
        assert supervisor.post("/inbox/dismiss", body).json() == {"error": "请选择要忽略的问题"}
    assert supervisor.post("/inbox/dismiss", {"ids": group["ids"]}).json() == {"dismissed": group["count"]}
    assert not [g for g in supervisor.get("/inbox").json()["groups"] if set(g["ids"]) & set(group["ids"])]
