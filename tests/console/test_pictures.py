"""Pictures in the console on the real Rasa server: agents see customers' pictures (with a session only) and send
one to the customer, who fetches it from the widget's side."""

import base64

import httpx
import pytest

from tests.conftest import Chat, RasaServer
from tests.media.pictures import SVG, picture


def encoded(data: bytes) -> dict:
    return {"data": base64.b64encode(data).decode()}


@pytest.mark.parametrize("method, path", [("GET", "/api/media/abc"), ("GET", "/api/media/abc/thumb"),
                                          ("POST", "/api/tickets/1/picture")])
def test_pictures_need_a_logged_in_agent(rasa_server: RasaServer, method: str, path: str):
    reply = httpx.request(method, f"{rasa_server.url}/console{path}", json={}, timeout=30)
    assert reply.status_code == 401 and reply.json() == {"error": "请先登录"}


def test_an_agent_sends_a_picture_the_customer_can_fetch(chat: Chat, new_agent, rasa_server: RasaServer):
    agent, other = new_agent(), new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    assert agent.post(f"/tickets/{ticket_id}/picture", encoded(picture())).status_code == 409  # not claimed yet
    assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
    photo = picture("PNG", size=(600, 400))
    sent = agent.post(f"/tickets/{ticket_id}/picture", encoded(photo))
    assert sent.status_code == 200
    pushed = [m for m in chat.outbox() if m.get("image")]
    assert pushed[-1]["image"] == f"/widget/media/{sent.json()['id']}"  # the REST client's outbox
    assert httpx.get(rasa_server.url + pushed[-1]["image"], timeout=30).content == photo

    line = agent.get(f"/tickets/{ticket_id}").json()["history"][-1]
    assert (line["from"], line["image"], line["thumb"]) == ("agent", f"/console/api/media/{sent.json()['id']}",
                                                            f"/console/api/media/{sent.json()['id']}/thumb")
    assert other.http.get(line["image"].removeprefix("/console")).content == photo  # any agent sees it
    shown = other.http.get(line["thumb"].removeprefix("/console"))
    assert shown.headers["content-type"] == "image/jpeg" and shown.headers["x-content-type-options"] == "nosniff"
    assert other.post(f"/tickets/{ticket_id}/picture", encoded(photo)).json() == {"error": "这个会话不在您的服务中"}
    assert agent.get("/media/not-a-picture").status_code == 404


def test_a_bad_picture_is_refused_with_a_reason(chat: Chat, new_agent):
    agent = new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    agent.post(f"/tickets/{ticket_id}/claim")
    cases = [({"data": "这不是base64"}, "图片数据无法读取，请重新选择图片"),
             ({}, "图片是空的，请重新选择"),
             (encoded(SVG), "无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),
             (encoded(b"\xff" * 5_500_000), "图片太大了（5.5 MB），请发送不超过 5 MB 的图片")]
    for body, error in cases:
        reply = agent.post(f"/tickets/{ticket_id}/picture", body)
        assert (reply.status_code, reply.json()) == (400, {"error": error})
    assert not [m for m in chat.outbox() if m.get("image")]
