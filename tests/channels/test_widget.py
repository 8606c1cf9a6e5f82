"""The website widget: Socket.IO with the enter_room fix, history after a reload, hand-off in the widget."""

import queue
import time
import uuid
from typing import Optional

import httpx
import pytest
import socketio
from rasa.shared.core.events import BotUttered, UserUttered

from bot.core.identity import VERIFIED_PHONE, sign_identity
from bot.channels.widget import INVALID_IDENTITY, SESSION_EXPIRED, _UploadLimit, history_messages
from bot.core.delivery import HANDOFF_NOTICE
from bot.handoff.live import AGENT_MESSAGE
from bot.knowledge import PROJECT_ROOT
from tests.conftest import WIDGET_IDENTITY_SECRET, RasaServer, response_text
from tests.media.pictures import HTML_AS_JPEG, SVG, picture

SCREENSHOTS = PROJECT_ROOT / "reports" / "e2e"


def test_history_shows_customer_bot_and_agent_messages_and_notices_with_their_times():
    events = [UserUttered("转人工", timestamp=100.0), BotUttered("正在为您转接", timestamp=101.0),
              BotUttered("人工客服 小王 已接入", metadata={HANDOFF_NOTICE: "utter_handoff_agent_joined"}, timestamp=102.0),
              BotUttered("您好", metadata={AGENT_MESSAGE: "小王"}, timestamp=103.0), BotUttered(None, data={})]
    assert history_messages(events) == [
        {"from": "customer", "text": "转人工", "time": 100.0},
        {"from": "bot", "agent": None, "text": "正在为您转接", "time": 101.0},
        {"from": "notice", "agent": None, "text": "人工客服 小王 已接入", "time": 102.0},
        {"from": "agent", "agent": "小王", "text": "您好", "time": 103.0}]


class SocketCustomer:
    """A widget session over a real Socket.IO connection (polling transport); `request` is what the widget sends
    in `session_request` (by default nothing: a new conversation)."""

    def __init__(self, server: RasaServer, request: Optional[dict] = None) -> None:
        self.client = socketio.Client()
        self.replies, self.confirmed, self.history = queue.Queue(), queue.Queue(), queue.Queue()
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("history", self.history.put)
        self.client.connect(server.url, socketio_path="/socket.io", transports=["polling"])
        self.client.emit("session_request", request or {})
        confirmed = self.confirmed.get(timeout=10)
        self.session_id, self.token = confirmed["session_id"], confirmed["session_token"]
        self.past = self.history.get(timeout=10)["messages"]

    def close(self) -> None:
        self.client.disconnect()

    def say(self, text: str, **extra) -> str:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id, **extra})
        texts = [self.replies.get(timeout=30)["text"]]
        while True:
            try:
                texts.append(self.replies.get(timeout=1.5)["text"])
            except queue.Empty:
                return "\n".join(texts)


@pytest.fixture
def socket_customer(rasa_server: RasaServer):
    customer = SocketCustomer(rasa_server)
    yield customer
    customer.client.disconnect()


def test_replies_reach_a_persistent_session_room(socket_customer):
    """RasaHQ/rasa#13027: without awaiting enter_room, a reply to the session's room is lost."""
    assert "保修" in socket_customer.say("保修期多久")


def test_a_signed_identity_counts_as_verified(socket_customer, ids):
    token = sign_identity(ids.zhang_phone, WIDGET_IDENTITY_SECRET)
    reply = socket_customer.say(f"查订单{ids.shipped}", identity=token)
    assert "SF1234567890" in reply and response_text("utter_ask_phone_last4") not in reply


def test_an_invalid_identity_is_rejected(socket_customer, ids):
    forged = sign_identity(ids.zhang_phone, "guessed-secret")
    assert socket_customer.say(f"查订单{ids.shipped}", identity=forged) == INVALID_IDENTITY
    reply = socket_customer.say(f"查订单{ids.shipped}", metadata={VERIFIED_PHONE: ids.zhang_phone})
    assert reply == response_text("utter_ask_phone_last4")  # a client cannot vouch for itself


def test_a_connection_cannot_write_into_another_session(socket_customer, rasa_server: RasaServer):
    other = uuid.uuid4().hex
    socket_customer.client.emit("user_uttered", {"message": "保修期多久", "session_id": other})
    time.sleep(2)
    assert rasa_server.tracker(other)["events"] in ([], None) or not [
        e for e in rasa_server.tracker(other)["events"] if e["event"] == "user"]
    assert socket_customer.replies.empty()


def test_rest_clients_cannot_claim_a_verified_phone(chat, ids):
    reply = httpx.post(f"{chat.server.url}/webhooks/rest/webhook", timeout=60, json={
        "sender": chat.sender, "message": f"查订单{ids.shipped}", "metadata": {VERIFIED_PHONE: ids.zhang_phone}})
    assert reply.json()[0]["text"] == response_text("utter_ask_phone_last4")


def test_assets_are_served_and_unknown_ones_are_not(rasa_server: RasaServer):
    for name in ("widget.js", "widget.css", "vendor/socket.io.min.js", "demo"):
        assert httpx.get(f"{rasa_server.url}/widget/{name}", timeout=30).status_code == 200, name
    assert httpx.get(f"{rasa_server.url}/widget/../channels/widget.py", timeout=30).status_code == 404
    # `/`: the demo page for browsers, Rasa's version text for everything else (health checks)
    assert "widget.js" in httpx.get(f"{rasa_server.url}/", headers={"Accept": "text/html"}, timeout=30).text
    assert httpx.get(f"{rasa_server.url}/", timeout=30).text.startswith("Hello from Rasa")


def test_the_widget_in_a_browser(browser, rasa_server: RasaServer, new_agent):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(f"{rasa_server.url}/")  # the demo page
    page.wait_for_selector(".tpw-panel .tpw-bot")  # the welcome
    page.fill(".tpw-input", "保修期多久")
    page.press(".tpw-input", "Enter")
    page.wait_for_selector(".tpw-bot .tpw-bubble:has-text('保修期')")
    session_id = page.evaluate("localStorage.getItem('tp-widget-session-token')").split(".")[1]
    assert session_id.startswith("web-")

    page.reload()  # the conversation survives
    page.wait_for_selector(".tpw-customer .tpw-bubble:has-text('保修期多久')")
    assert page.evaluate("localStorage.getItem('tp-widget-session-token')").split(".")[1] == session_id

    agent = new_agent()  # online first: the customer waits live (with nobody online it is a message left)
    page.fill(".tpw-input", "转人工")
    page.press(".tpw-input", "Enter")
    page.wait_for_selector(".tpw-status:has-text('正在为您转接人工客服')")
    ticket = next(t for t in agent.get("/queue").json()["waiting"] if t["conversation_id"] == session_id)
    assert ticket["channel"] == "网站聊天窗口"
    assert agent.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    page.wait_for_selector(".tpw-notice:has-text('已接入')")
    page.wait_for_selector(".tpw-status:has-text('正在为您服务')")
    assert page.locator(".tpw-notice").count() == 1  # said once, as a notice line (not also as a bubble)
    assert page.locator(".tpw-bubble:has-text('已接入')").count() == 0
    assert agent.post(f"/tickets/{ticket['id']}/reply", {"text": "您好，我是人工客服，请讲"}).status_code == 200
    page.wait_for_selector(".tpw-agent .tpw-bubble:has-text('您好，我是人工客服，请讲')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-handoff.png"))
    assert agent.post(f"/tickets/{ticket['id']}/close").status_code == 200
    page.wait_for_selector(".tpw-bubble:has-text('人工客服已结束本次服务')")
    page.wait_for_selector(".tpw-choice:has-text('5 分')")  # the rating buttons
    page.click(".tpw-choice:has-text('5 分')")
    page.wait_for_selector(".tpw-bot .tpw-bubble:has-text('感谢您的评价')")
    # the rating was given: its buttons (and the queue's "不用了" before them) can no longer be pressed
    assert page.locator(".tpw-choice:has-text('4 分')").is_disabled()
    assert page.locator(".tpw-choice:has-text('不用了')").first.is_disabled()
    assert page.locator(".tpw-time").count() >= page.locator(".tpw-bubble").count()  # every message has its time
    page.close()


def test_the_widget_on_a_phone_is_full_screen_and_shows_the_agent_typing(browser, rasa_server: RasaServer, new_agent):
    page = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
                            device_scale_factor=2)
    page.goto(f"{rasa_server.url}/")
    page.wait_for_selector(".tpw-panel .tpw-bot")
    box = page.locator(".tpw-panel").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 667)  # the whole screen
    assert page.locator(".tpw-launcher").is_hidden()  # under the open chat there is nothing to press
    assert page.eval_on_selector(".tpw-input", "node => getComputedStyle(node).fontSize") == "16px"  # no iOS zoom

    agent = new_agent()
    page.fill(".tpw-input", "我要找人工客服")
    page.press(".tpw-input", "Enter")
    page.wait_for_selector(".tpw-status:has-text('正在为您转接人工客服')")
    session_id = page.evaluate("localStorage.getItem('tp-widget-session-token')").split(".")[1]
    ticket = next(t for t in agent.get("/queue").json()["waiting"] if t["conversation_id"] == session_id)
    assert agent.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    page.wait_for_selector(".tpw-notice:has-text('已接入')")
    assert agent.post(f"/tickets/{ticket['id']}/typing").status_code == 200
    page.wait_for_selector(".tpw-typing:has-text('人工客服') >> text=正在输入")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))
    assert agent.post(f"/tickets/{ticket['id']}/reply", {"text": "您好，请问设备是什么型号？"}).status_code == 200
    page.wait_for_selector(".tpw-agent .tpw-bubble:has-text('设备是什么型号')")
    assert page.locator(".tpw-typing").is_hidden()  # the message replaced the indicator
    page.click(".tpw-close")
    assert page.locator(".tpw-launcher").is_visible()
    assert agent.post(f"/tickets/{ticket['id']}/close").status_code == 200
    page.close()


def upload(server: RasaServer, token: Optional[str], data: bytes, content_type: str = "image/jpeg",
           **headers: str) -> httpx.Response:
    fields = {"session_token": token} if token is not None else {}
    return httpx.post(f"{server.url}/widget/upload", data=fields, files={"file": ("photo.jpg", data, content_type)},
                      headers=headers, timeout=30)


def test_a_customer_sends_a_photo_from_the_widget(socket_customer: SocketCustomer, rasa_server: RasaServer):
    photo = picture("JPEG", size=(1024, 768))
    sent = upload(rasa_server, socket_customer.token, photo, origin="https://shop.example")
    assert sent.status_code == 200, sent.text
    assert sent.headers["access-control-allow-origin"] == "*"  # the embedding site may read the answer
    assert socket_customer.replies.get(timeout=30)["text"] == response_text("utter_picture_received")

    full = httpx.get(rasa_server.url + sent.json()["url"], timeout=30)
    assert full.content == photo and full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff" and "sandbox" in full.headers["content-security-policy"]
    thumb = httpx.get(rasa_server.url + sent.json()["thumb"], timeout=30)
    assert thumb.headers["content-type"] == "image/jpeg" and len(thumb.content) < len(photo)

    again = SocketCustomer(rasa_server, {"session_token": socket_customer.token})  # a reload shows it
    try:
        shown = [m for m in again.past if m.get("image")]
        assert shown == [{"from": "customer", "text": "", "time": shown[0]["time"], "image": sent.json()["url"],
                          "thumb": sent.json()["thumb"]}]
    finally:
        again.close()


def test_a_bad_upload_is_refused_with_a_reason_and_nothing_is_said(socket_customer: SocketCustomer,
                                                                  rasa_server: RasaServer):
    cases = [
        (upload(rasa_server, None, picture()), 403, SESSION_EXPIRED),
        (upload(rasa_server, "s1.web-forged.1.00", picture()), 403, SESSION_EXPIRED),
        (upload(rasa_server, socket_customer.token, SVG, "image/svg+xml"), 400,
         "无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),
        (upload(rasa_server, socket_customer.token, HTML_AS_JPEG), 400,
         "无法识别这张图片，请发送 JPG、PNG、GIF 或 WebP 格式的照片"),
        (upload(rasa_server, socket_customer.token, b"\xff" * 6_000_000), 400,
         "图片太大了（6.0 MB），请发送不超过 5 MB 的图片"),
    ]
    for reply, status, error in cases:
        assert (reply.status_code, reply.json()) == (status, {"error": error})
    no_file = httpx.post(f"{rasa_server.url}/widget/upload", data={"session_token": socket_customer.token}, timeout=30)
    assert (no_file.status_code, no_file.json()) == (400, {"error": "请选择一张图片"})
    assert rasa_server.tracker(socket_customer.session_id)["events"][-1]["event"] != "user"  # nothing recorded
    for path in ("/widget/media/nothing-here", "/widget/media/nothing-here/thumb", "/widget/media/x/../../etc"):
        assert httpx.get(rasa_server.url + path, timeout=30).status_code == 404



def test_one_address_cannot_upload_without_limit(monkeypatch):
    """A client minting conversation after conversation is stopped by the per-address limit (the route answers 429
    with this message; unit-tested here so that the shared server's count is not used up)."""
    monkeypatch.setenv("MEDIA_PER_ADDRESS_PER_HOUR", "2")
    limit = _UploadLimit()
    assert [limit.allow("203.0.113.7") for _ in range(3)] == [True, True, False]
    assert limit.allow("198.51.100.1")  # another address
