"""Routing on the real Rasa server: an agent's status, colleagues' load, transfer to a named colleague with a note,
the per-agent limit and the supervisors' view."""

import httpx
import pytest
from sqlalchemy import update

from bot.store.db import get_engine, transaction
from bot.store.models import Agent
from tests.conftest import Chat, RasaServer, texts
from tests.console.conftest import Console


def handed_off(chat: Chat) -> int:
    chat.say("转人工")
    return chat.ticket().id


def listed(console: Console, agent: Console) -> dict:
    return next(a for a in console.get("/agents").json()["agents"] if a["display_name"] == f"客服{agent.username[-4:]}")


def agent_id(console: Console) -> int:
    return console.get("/me").json()["agent"]["id"]


@pytest.mark.parametrize("method, path", [("GET", "/api/agents"), ("PUT", "/api/me/status"),
                                          ("POST", "/api/tickets/1/transfer"), ("GET", "/api/tickets/1/notes"),
                                          ("POST", "/api/tickets/1/notes"), ("PUT", "/api/tickets/1/tags")])
def test_the_routes_need_a_logged_in_agent(rasa_server: RasaServer, method: str, path: str):
    reply = httpx.request(method, f"{rasa_server.url}/console{path}", json={}, timeout=30)
    assert reply.status_code == 401 and reply.json() == {"error": "请先登录"}


def test_an_agent_sets_their_status_and_colleagues_see_it(new_agent):
    me, colleague = new_agent(), new_agent()
    assert me.http.put("/api/me/status", json={"status": "busy"}).json() == {"status": "busy", "label": "忙碌"}
    seen = listed(colleague, me)
    assert (seen["presence"], seen["label"], seen["accepts_transfer"]) == ("busy", "忙碌", False)
    assert me.get("/agents").json()["me"] == {"status": "busy", "label": "忙碌"}
    refused = me.http.put("/api/me/status", json={"status": "sleeping"})
    assert refused.status_code == 400 and refused.json()["error"] == "状态只能是：在线、忙碌、离开"
    assert me.http.put("/api/me/status", json=["away"]).status_code == 400
    assert me.http.put("/api/me/status", data="away").status_code == 415
    assert me.login().status_code == 200  # a new log-in: a new working day, online again
    assert listed(colleague, me)["presence"] == "online"


def test_a_conversation_is_transferred_to_a_named_colleague_with_a_note(chat: Chat, new_agent):
    ticket_id = handed_off(chat)
    first, second = new_agent(), new_agent()
    assert first.post(f"/tickets/{ticket_id}/claim").status_code == 200
    moved = first.post(f"/tickets/{ticket_id}/transfer", {"agent_id": agent_id(second), "note": "客户要退款，订单已核实"})
    assert moved.status_code == 200 and moved.json() == {"ok": True, "agent": f"客服{second.username[-4:]}"}
    assert chat.ticket().agent_id == agent_id(second) and chat.paused()
    assert f"人工客服 客服{second.username[-4:]} 已接入" in texts(chat.outbox())  # the customer hears who it is now
    assert [t["id"] for t in second.get("/queue").json()["mine"]] == [ticket_id]
    assert first.get("/queue").json()["mine"] == []
    notes = second.get(f"/tickets/{ticket_id}").json()["notes"]
    assert notes[0]["kind"] == "transfer" and notes[0]["text"].endswith("：客户要退款，订单已核实")
    assert second.post(f"/tickets/{ticket_id}/reply", {"text": "您好，我来为您办理退款"}).status_code == 200
    assert first.post(f"/tickets/{ticket_id}/reply", {"text": "插一句"}).status_code == 409


def test_a_transfer_is_refused_with_a_reason(chat: Chat, new_agent, rasa_server: RasaServer):
    ticket_id = handed_off(chat)
    owner, busy, stranger = new_agent(), new_agent(), new_agent()
    owner.post(f"/tickets/{ticket_id}/claim")
    busy.http.put("/api/me/status", json={"status": "busy"})
    cases = [
        (stranger, {"agent_id": agent_id(busy)}, 409, "只能转交您自己正在服务的会话"),
        (owner, {"agent_id": agent_id(busy)}, 409, f"客服{busy.username[-4:]} 当前忙碌，不能接收转交"),
        (owner, {"agent_id": 999999}, 409, "没有这位客服"),
        (owner, {"agent_id": "2"}, 400, "请选择要转交的客服"),
        (owner, {"agent_id": True}, 400, "请选择要转交的客服"),
        (owner, {"agent_id": agent_id(stranger), "note": ["x"]}, 400, "转交说明应为文字"),
        (owner, {"agent_id": agent_id(stranger), "note": "长" * 501}, 409, "转交说明不能超过 500 字"),
    ]
    for console, body, status, error in cases:
        reply = console.post(f"/tickets/{ticket_id}/transfer", body)
        assert (reply.status_code, reply.json()) == (status, {"error": error}), body
    assert owner.post("/tickets/999999/transfer", {"agent_id": agent_id(stranger)}).status_code == 409
    assert chat.ticket().agent_id == agent_id(owner)


def test_no_agent_serves_more_than_their_limit(chat: Chat, new_agent, rasa_server: RasaServer):
    agent, colleague = new_agent(), new_agent()
    with transaction(get_engine(rasa_server.database)) as session:
        session.execute(update(Agent).where(Agent.username.in_([agent.username, colleague.username]))
                        .values(max_conversations=1))
    first = handed_off(chat)
    second = handed_off(Chat(rasa_server))
    assert agent.post(f"/tickets/{first}/claim").status_code == 200
    refused = agent.post(f"/tickets/{second}/claim")
    assert refused.status_code == 409 and refused.json()["error"] == "您已同时接待 1 个会话，达到上限，请先结束其中一个"
    assert colleague.post(f"/tickets/{second}/claim").status_code == 200
    full = agent.post(f"/tickets/{first}/transfer", {"agent_id": agent_id(colleague)})
    assert full.json()["error"] == f"客服{colleague.username[-4:]} 已同时接待 1 个会话，达到上限，请先结束其中一个"
    assert listed(agent, colleague)["full"] is True
    assert agent.post(f"/tickets/{first}/close").status_code == 200
    assert colleague.post(f"/tickets/{second}/close").status_code == 200


def test_a_supervisor_sees_every_agents_conversations_and_transfers_them(chat: Chat, new_agent, supervisor):
    ticket_id = handed_off(chat)
    owner, other = new_agent(), new_agent()
    owner.post(f"/tickets/{ticket_id}/claim")
    assert "conversations" not in other.get("/agents").json()["agents"][0]  # agents see colleagues' load only
    view = supervisor.get("/agents").json()
    assert view["supervisor"] is True
    served = next(a for a in view["agents"] if a["id"] == agent_id(owner))
    assert [t["id"] for t in served["conversations"]] == [ticket_id] and served["serving"] == 1
    assert supervisor.post(f"/tickets/{ticket_id}/transfer", {"agent_id": agent_id(other)}).status_code == 200
    assert chat.ticket().agent_id == agent_id(other)
    assert "将会话从" in supervisor.get(f"/tickets/{ticket_id}").json()["notes"][0]["text"]
    assert other.post(f"/tickets/{ticket_id}/close").status_code == 200
