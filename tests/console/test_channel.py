"""The console's routes on the real Rasa server: authentication, the queue, claim, reply, close, transfer."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.handoff.live import AGENT_MESSAGE
from tests.conftest import Chat, RasaServer, response_text, texts

API_ROUTES = [
    ("GET", "/api/me"), ("GET", "/api/queue"), ("GET", "/api/tickets/1"), ("GET", "/api/stream"),
    ("POST", "/api/logout"), ("POST", "/api/tickets/1/claim"), ("POST", "/api/tickets/1/reply"),
    ("POST", "/api/tickets/1/close"), ("POST", "/api/tickets/1/release"),
    ("GET", "/api/messages"), ("POST", "/api/messages/1/callback"), ("POST", "/api/messages/1/close"),
]


@pytest.mark.parametrize("method, path", API_ROUTES)
def test_every_api_route_needs_a_logged_in_agent(rasa_server: RasaServer, method: str, path: str):
    reply = httpx.request(method, f"{rasa_server.url}/console{path}", json={}, timeout=30)
    assert reply.status_code == 401 and reply.json() == {"error": "请先登录"}
    forged = httpx.request(method, f"{rasa_server.url}/console{path}", json={},
                           cookies={"tp_console": "forged-token"}, timeout=30)
    assert forged.status_code == 401


def test_the_console_page_sends_strangers_to_the_log_in_page(rasa_server: RasaServer):
    reply = httpx.get(f"{rasa_server.url}/console/", timeout=30)
    assert reply.status_code == 302 and reply.headers["location"] == "/console/login"
    assert "登录" in httpx.get(f"{rasa_server.url}/console/login", timeout=30).text
    assert httpx.get(f"{rasa_server.url}/console/static/../channel.py", timeout=30).status_code == 404


def test_log_in_with_a_wrong_password_is_refused(new_agent):
    console = new_agent(login=False)
    reply = console.login("wrong password")
    assert reply.status_code == 401 and reply.json()["error"] == "用户名或密码错误"
    assert console.get("/me").status_code == 401


def test_log_in_sets_a_strict_http_only_cookie_and_log_out_ends_the_session(new_agent):
    console = new_agent(login=False)
    reply = console.login()
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    assert console.get("/me").json()["agent"]["username"] == console.username
    token = console.http.cookies["tp_console"]
    assert console.post("/logout").status_code == 200
    console.http.cookies.set("tp_console", token)  # replaying the old cookie does not work either
    assert console.get("/me").status_code == 401


def test_state_changes_must_be_json(new_agent):
    console = new_agent()
    reply = console.http.post("/api/tickets/1/claim", data={"x": "1"})
    assert reply.status_code == 415


def handed_off(chat: Chat) -> int:
    chat.say("转人工")
    assert chat.paused()
    return chat.ticket().id


def test_the_queue_lists_waiting_conversations_oldest_first(chat: Chat, rasa_server: RasaServer, new_agent):
    agent = new_agent()  # online: the customers wait live for a person (with nobody online they leave a message)
    first = handed_off(chat)
    second = handed_off(Chat(rasa_server))
    waiting = [t["id"] for t in agent.get("/queue").json()["waiting"]]
    assert waiting.index(first) < waiting.index(second)


def test_exactly_one_of_several_agents_claims_a_conversation(chat: Chat, new_agent):
    ticket_id = handed_off(chat)
    consoles = [new_agent() for _ in range(4)]
    with ThreadPoolExecutor(len(consoles)) as pool:
        codes = list(pool.map(lambda c: c.post(f"/tickets/{ticket_id}/claim").status_code, consoles))
    assert sorted(codes) == [200, 409, 409, 409]
    winner = consoles[codes.index(200)]
    assert [t["id"] for t in winner.get("/queue").json()["mine"]] == [ticket_id]
    assert chat.ticket().status == "assigned"


def test_an_agent_works_a_conversation_from_claim_to_close(chat: Chat, new_agent):
    ticket_id = handed_off(chat)
    agent = new_agent()
    detail = agent.get(f"/tickets/{ticket_id}").json()
    assert detail["ticket"]["status"] == "waiting" and detail["summary"]["intents"] == ["转人工"]
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "您好"}).status_code == 409  # not claimed yet

    assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
    joined = chat.outbox()
    assert texts(joined).startswith("人工客服 客服") and texts(joined).endswith("已接入，很高兴为您服务。")

    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "您好，请问有什么可以帮您？"}).status_code == 200
    assert texts(chat.outbox(after=joined[-1]["id"])) == "您好，请问有什么可以帮您？"
    assert chat.say("路由器一直掉线") == []  # the bot stays quiet while the agent owns the conversation

    history = agent.get(f"/tickets/{ticket_id}").json()["history"]
    assert {"from": "customer", "text": "路由器一直掉线"}.items() <= history[-1].items()
    agent_line = next(line for line in history if line["from"] == "agent")
    assert agent_line["text"] == "您好，请问有什么可以帮您？" and agent_line["agent"].startswith("客服")
    tracker_events = chat.server.tracker(chat.sender)["events"]
    assert any(e["event"] == "bot" and (e.get("metadata") or {}).get(AGENT_MESSAGE) for e in tracker_events)

    suggestions = agent.get(f"/tickets/{ticket_id}").json()["suggestions"]
    assert len(suggestions) == 3 and all(s["answer"] for s in suggestions)

    assert agent.post(f"/tickets/{ticket_id}/close").status_code == 200
    assert not chat.paused() and chat.ticket().status == "closed"
    closing = texts(chat.outbox(after=joined[-1]["id"] + 1))
    assert response_text("utter_handoff_resumed") in closing and response_text("utter_ask_service_rating") in closing


def test_an_empty_or_overlong_reply_is_refused(chat: Chat, new_agent):
    ticket_id = handed_off(chat)
    agent = new_agent()
    agent.post(f"/tickets/{ticket_id}/claim")
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "  "}).status_code == 400
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "好" * 2001}).status_code == 400


def test_one_agent_cannot_close_or_transfer_another_agents_conversation(chat: Chat, new_agent):
    ticket_id = handed_off(chat)
    owner, other = new_agent(), new_agent()
    owner.post(f"/tickets/{ticket_id}/claim")
    assert other.post(f"/tickets/{ticket_id}/close").status_code == 403
    assert other.post(f"/tickets/{ticket_id}/release").status_code == 403
    assert other.post(f"/tickets/{ticket_id}/reply", {"text": "插一句"}).status_code == 409
    assert chat.ticket().status == "assigned" and chat.paused()


def test_a_supervisor_may_close_another_agents_conversation(chat: Chat, new_agent, supervisor):
    ticket_id = handed_off(chat)
    new_agent().post(f"/tickets/{ticket_id}/claim")
    assert supervisor.get("/me").json()["agent"]["supervisor"] is True
    assert supervisor.post(f"/tickets/{ticket_id}/close").status_code == 200
    assert chat.ticket().status == "closed" and not chat.paused()


def test_transfer_back_to_the_queue(chat: Chat, new_agent):
    ticket_id = handed_off(chat)
    first, second = new_agent(), new_agent()
    first.post(f"/tickets/{ticket_id}/claim")
    assert first.post(f"/tickets/{ticket_id}/release").status_code == 200
    assert chat.ticket().status == "waiting" and chat.paused()
    assert response_text("utter_handoff_requeued") in texts(chat.outbox())
    assert second.post(f"/tickets/{ticket_id}/claim").status_code == 200


def test_live_updates_arrive_as_server_sent_events(chat: Chat, new_agent):
    agent = new_agent()
    with agent.http.stream("GET", "/api/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "event: queue"  # the current state first
        next(lines), next(lines)
        chat.say("转人工")  # a new waiting conversation changes the queue
        assert next(line for line in lines if line.startswith("event:")) == "event: queue"


def test_a_verified_customers_records_are_shown_to_the_agent(chat: Chat, new_agent, ids):
    chat.say(f"查订单{ids.shipped}")
    chat.say("8000")  # the phone's last 4 digits: verified
    ticket_id = handed_off(chat)
    detail = new_agent().get(f"/tickets/{ticket_id}").json()
    [customer] = detail["customers"]
    assert customer["name"] == "张三" and customer["phone"] == "138****8000"
    assert ids.shipped in [order["id"] for order in customer["orders"]]
    assert ids.device_in in [device["serial_number"] for device in customer["devices"]]
    assert ids.repair in [repair["id"] for repair in customer["repairs"]]
    assert "13800138000" not in str(detail)  # phones are masked everywhere in the console


def test_an_unverified_customers_records_stay_hidden(chat: Chat, new_agent, ids):
    chat.say(f"我的订单号是{ids.shipped}，电话13800138000")
    ticket_id = handed_off(chat)
    detail = new_agent().get(f"/tickets/{ticket_id}").json()
    assert detail["customers"] == []
