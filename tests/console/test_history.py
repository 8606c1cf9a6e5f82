"""History of closed conversations on the real Rasa server: searched, listed, read back; bad queries refused."""

import uuid

import httpx
import pytest

from tests.conftest import Chat, RasaServer, texts


def served_and_closed(chat: Chat, agent, order_id: str) -> int:
    """The customer hands off, gives the agent an order number and a contact phone; the agent closes."""
    chat.say("转人工")
    ticket_id = chat.ticket().id
    assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
    chat.say(f"订单 {order_id.lower()} 一直没发货，有事打我电话 139 0013 9000")  # said to the agent, not the bot
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "已为您催促仓库，今天发出"}).status_code == 200
    assert agent.post(f"/tickets/{ticket_id}/close").status_code == 200
    return ticket_id


def search(agent, **params) -> dict:
    response = agent.http.get("/api/history", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_closed_conversation_is_found_by_what_was_said_to_the_agent(chat: Chat, new_agent, ids):
    agent = new_agent()
    ticket_id = served_and_closed(chat, agent, ids.shipped)
    for query in (ids.shipped, ids.shipped[:10], "13900139000", "139-0013-9000", f"#{ticket_id}", chat.sender):
        assert ticket_id in [t["id"] for t in search(agent, q=query)["tickets"]], query
    listed = next(t for t in search(agent, q=ids.shipped)["tickets"] if t["id"] == ticket_id)
    assert listed["status"] == "closed" and listed["close_label"] == "客服处理完毕" and listed["closed_at"]
    assert "13900139000" not in str(listed)  # the keys a ticket is found by are not shown

    # read back: the transcript (phones masked), no suggestions, not the agent's to reply to any more
    detail = agent.get(f"/tickets/{ticket_id}").json()
    lines = [line["text"] for line in detail["history"]]
    assert any("139****9000" in line for line in lines) and "已为您催促仓库，今天发出" in lines
    assert not any("13900139000" in line for line in lines)
    assert detail["suggestions"] == [] and detail["ticket"]["status_label"] == "已结束"
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "还在吗"}).status_code == 409


def test_another_agent_finds_it_by_day_and_nothing_outside_the_range(chat: Chat, new_agent, ids):
    ticket_id = served_and_closed(chat, new_agent(), ids.shipped)
    colleague = new_agent()
    day = search(colleague, q=ids.shipped)["tickets"][0]["created_on"]
    assert ticket_id in [t["id"] for t in search(colleague, q=ids.shipped, **{"from": day, "to": day})["tickets"]]
    assert search(colleague, q=ids.shipped, **{"from": "2020-01-01", "to": "2020-01-02"}) == \
        {"tickets": [], "total": 0, "page": 1, "pages": 1}
    assert search(colleague, q=f"nobody-{uuid.uuid4().hex}")["total"] == 0


@pytest.mark.parametrize("params, error", [
    ({"from": "2026-13-01"}, "日期格式应为 YYYY-MM-DD，例如 2026-12-01"),
    ({"to": "yesterday"}, "日期格式应为 YYYY-MM-DD，例如 2026-12-01"),
    ({"from": "2026-12-02", "to": "2026-12-01"}, "开始日期不能晚于结束日期"),
    ({"page": "0"}, "页码应为 1 到 1000 之间的整数"),
    ({"page": "-1"}, "页码应为 1 到 1000 之间的整数"),
    ({"page": "99999999999999999999"}, "页码应为 1 到 1000 之间的整数"),
    ({"q": "好" * 101}, "搜索内容不能超过 100 字"),
])
def test_a_malformed_query_is_refused_with_a_reason(new_agent, params, error):
    response = new_agent().http.get("/api/history", params=params)
    assert response.status_code == 400 and response.json() == {"error": error}


def test_history_is_for_logged_in_agents_only(rasa_server: RasaServer, new_agent):
    assert httpx.get(f"{rasa_server.url}/console/api/history", params={"q": "1"}, timeout=30).status_code == 401
    stranger = new_agent(login=False)
    stranger.http.cookies.set("tp_console", "forged-session-token")
    assert stranger.get("/history").status_code == 401
    assert new_agent().post("/history").status_code == 405


def test_a_conversation_the_customer_gave_up_on_is_in_the_history_too(chat: Chat, new_agent, ids):
    agent = new_agent()
    assert "TP" in ids.shipped
    chat.say(f"我的订单 {ids.shipped} 有问题，转人工")
    texts(chat.say("不用了"))
    ticket = chat.ticket()
    assert ticket.status == "closed" and ticket.close_reason == "cancelled_by_customer"
    listed = [t for t in search(agent, q=ids.shipped)["tickets"] if t["id"] == ticket.id]
    assert listed and listed[0]["close_label"] == "客户取消等待"
