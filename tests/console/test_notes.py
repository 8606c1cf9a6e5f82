"""Internal notes and tags on the real Rasa server: any agent adds them, the customer never sees them, history
search finds a conversation by a tag."""

from tests.conftest import Chat, texts
from tests.console.conftest import Console


def closed_conversation(chat: Chat, agent: Console) -> int:
    chat.say("转人工")
    ticket_id = chat.ticket().id
    agent.post(f"/tickets/{ticket_id}/claim")
    assert agent.post(f"/tickets/{ticket_id}/close").status_code == 200
    return ticket_id


def test_notes_and_tags_are_for_agents_and_found_in_history(chat: Chat, new_agent):
    agent, colleague = new_agent(), new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    agent.post(f"/tickets/{ticket_id}/claim")
    added = agent.post(f"/tickets/{ticket_id}/notes", {"text": "客户下午三点后方便接电话"})
    assert added.status_code == 201 and added.json()["note"]["text"] == "客户下午三点后方便接电话"
    tag = f"待寄修{ticket_id}"
    assert agent.http.put(f"/api/tickets/{ticket_id}/tags", json={"tags": [tag, "退款", tag]}).json() == \
        {"tags": [tag, "退款"]}
    assert "客户下午三点后方便接电话" not in texts(chat.outbox())  # never sent to the customer
    assert agent.post(f"/tickets/{ticket_id}/close").status_code == 200

    # after the close: a colleague adds what happened next, and finds it by the tag
    assert colleague.post(f"/tickets/{ticket_id}/notes", {"text": "已回访，客户确认收到"}).status_code == 201
    detail = colleague.get(f"/tickets/{ticket_id}").json()
    assert [n["text"] for n in detail["notes"]] == ["客户下午三点后方便接电话", "已回访，客户确认收到"]
    assert detail["ticket"]["tags"] == [tag, "退款"]
    assert colleague.get(f"/tickets/{ticket_id}/notes").json()["notes"][1]["agent"] == f"客服{colleague.username[-4:]}"
    found = colleague.http.get("/api/history", params={"q": tag}).json()
    assert [t["id"] for t in found["tickets"]] == [ticket_id] and found["tickets"][0]["tags"] == [tag, "退款"]


def test_bad_notes_and_tags_are_refused_with_a_reason(chat: Chat, new_agent):
    agent = new_agent()
    ticket_id = closed_conversation(chat, agent)
    cases = [
        (agent.post(f"/tickets/{ticket_id}/notes", {"text": "  "}), 400, "备注不能为空，且不超过 500 字"),
        (agent.post(f"/tickets/{ticket_id}/notes", {"text": 5}), 400, "请填写备注内容"),
        (agent.post("/tickets/999999/notes", {"text": "x"}), 404, "会话不存在"),
        (agent.http.put(f"/api/tickets/{ticket_id}/tags", json={"tags": "退款"}), 400,
         "标签应为文字列表，例如 [\"退款\", \"待寄修\"]"),
        (agent.http.put(f"/api/tickets/{ticket_id}/tags", json={"tags": ["长" * 13]}), 400,
         f"标签“{'长' * 13}”太长：每个标签不超过 12 字"),
        (agent.http.put("/api/tickets/999999/tags", json={"tags": ["x"]}), 404, "会话不存在"),
    ]
    for reply, status, error in cases:
        assert (reply.status_code, reply.json()) == (status, {"error": error})
    assert agent.http.post(f"/api/tickets/{ticket_id}/notes", data="x").status_code == 415
