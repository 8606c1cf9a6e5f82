"""The Telegram channel on the real Rasa server, with Telegram's own Update JSON and a local fake Bot API."""

import base64
import os
import random
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

import httpx
import pytest

from bot.channels.telegram import (
    EDITED,
    NOT_TEXT,
    SECRET_HEADER,
    TelegramChannel,
    _Payloads,
    split_message,
)
from bot.knowledge import PROJECT_ROOT
from tests.channels.fake_telegram import TOKEN, FakeTelegram
from tests.media.pictures import picture
from tests.conftest import TELEGRAM_SECRET, RasaServer, response_text


class TelegramUser:
    """A customer in a private chat with the bot; each update gets a new update_id, as Telegram does."""

    def __init__(self, server: RasaServer, fake: FakeTelegram) -> None:
        self.server, self.fake = server, fake
        self.chat_id = random.randint(10**8, 10**9)
        self.user = {"id": self.chat_id, "is_bot": False, "first_name": "小明", "last_name": "王",
                     "username": f"user{self.chat_id}", "language_code": "zh-hans"}
        self.chat = {"id": self.chat_id, "first_name": "小明", "last_name": "王", "type": "private"}

    def post(self, update: Dict[str, Any], secret: Optional[str] = TELEGRAM_SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return httpx.post(f"{self.server.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=60)

    def update(self, kind: str = "message", **fields: Any) -> Dict[str, Any]:
        message = {"message_id": random.randint(1, 10**6), "from": self.user, "chat": self.chat,
                   "date": int(time.time()), **fields}
        return {"update_id": random.randint(10**6, 10**9), kind: message}

    def say(self, text: str) -> List[Dict[str, Any]]:
        """Send a text message; returns what the bot sent to this chat in response."""
        before = len(self.fake.sent_to(self.chat_id))
        fields = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        assert self.post(self.update(**fields)).status_code == 200
        return self.fake.sent_to(self.chat_id)[before:]


@pytest.fixture
def customer(rasa_server: RasaServer, fake_telegram: FakeTelegram) -> TelegramUser:
    return TelegramUser(rasa_server, fake_telegram)


def texts(sent: List[Dict[str, Any]]) -> str:
    return "\n".join(params["text"] for params in sent)


def test_split_message_keeps_each_part_within_telegrams_limit():
    text = "\n".join(f"第{i}行：" + "保修" * 40 for i in range(120))
    parts = split_message(text)
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == text
    assert split_message("短消息") == ["短消息"] and split_message("x" * 5000) == ["x" * 4096, "x" * 904]


def test_long_button_payloads_get_short_callback_data():
    payloads = _Payloads()
    short, long = "/affirm", "可以购买延长保修或上门服务吗？这是一个很长很长的按钮载荷"
    assert payloads.callback_data(short) == short
    key = payloads.callback_data(long)
    assert len(key.encode()) <= 64 and payloads.payload(key, "标题") == long
    assert _Payloads().payload(key, "标题") == "标题"  # unknown after a restart: the button's title


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
def test_requests_without_the_secret_token_are_refused(customer: TelegramUser, secret):
    before = len(customer.fake.calls)
    assert customer.post(customer.update(text="你好"), secret=secret).status_code == 403
    assert len(customer.fake.calls) == before and customer.fake.sent_to(customer.chat_id) == []


def test_start_welcomes_with_inline_buttons(customer: TelegramUser):
    [welcome] = customer.say("/start")
    assert welcome["text"] == response_text("utter_greet")
    keyboard = welcome["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard][-1] == "转人工"
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


def test_a_question_is_answered_and_a_retried_update_is_answered_once(customer: TelegramUser):
    update = customer.update(text="保修期多久")
    assert customer.post(update).status_code == 200
    answered = customer.fake.sent_to(customer.chat_id)
    assert "保修" in texts(answered)
    assert customer.post(update).status_code == 200  # Telegram retries when it got no 200 in time
    assert customer.fake.sent_to(customer.chat_id) == answered
    events = customer.server.tracker(f"tg-{customer.chat_id}")["events"]
    user_events = [e for e in events if e["event"] == "user"]
    assert [e["text"] for e in user_events] == ["保修期多久"] and user_events[0]["input_channel"] == "telegram"


def test_a_button_press_sends_its_payload_and_is_answered(customer: TelegramUser):
    [welcome] = customer.say("/start")
    button = welcome["reply_markup"]["inline_keyboard"][0][0]  # 产品保修期是多久？
    query_id = str(random.randint(1, 10**12))
    update = {"update_id": random.randint(10**6, 10**9), "callback_query": {
        "id": query_id, "from": customer.user, "chat_instance": "-4711", "data": button["callback_data"],
        "message": {"message_id": 77, "from": {"id": 123456, "is_bot": True, "first_name": "TP客服"},
                    "chat": customer.chat, "date": int(time.time()), "text": welcome["text"],
                    "reply_markup": welcome["reply_markup"]}}}
    before = len(customer.fake.sent_to(customer.chat_id))
    assert customer.post(update).status_code == 200
    assert query_id in [call["callback_query_id"] for call in customer.fake.calls_of("answerCallbackQuery")]
    assert "保修" in texts(customer.fake.sent_to(customer.chat_id)[before:])


def test_stickers_and_edits_get_a_polite_reply(customer: TelegramUser):
    sticker = customer.update(sticker={"file_id": "CAACAgIAAxkBAAIB", "file_unique_id": "AgADxw", "width": 512,
                                       "height": 512, "is_animated": False, "is_video": False, "type": "regular"})
    assert customer.post(sticker).status_code == 200
    edited = customer.update("edited_message", text="保修期多久啊", edit_date=int(time.time()))
    assert customer.post(edited).status_code == 200
    assert texts(customer.fake.sent_to(customer.chat_id)) == f"{NOT_TEXT}\n{EDITED}"


def test_not_an_update_is_a_bad_request(customer: TelegramUser):
    assert customer.post({"hello": "world"}).status_code == 400


def test_an_agent_reply_reaches_the_customer_on_telegram(customer: TelegramUser, new_agent):
    agent = new_agent()  # online first: the customer waits live (with nobody online it is a message left)
    customer.say("转人工")
    queue = agent.get("/queue").json()["waiting"]
    ticket = next(t for t in queue if t["conversation_id"] == f"tg-{customer.chat_id}")
    assert ticket["customer"] == "小明 王" and ticket["channel"] == "Telegram"
    assert agent.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    assert agent.post(f"/tickets/{ticket['id']}/typing").status_code == 200  # Telegram's own "typing…"
    assert {"chat_id": str(customer.chat_id), "action": "typing"}.items() <= \
        customer.fake.calls_of("sendChatAction")[-1].items()
    assert agent.post(f"/tickets/{ticket['id']}/reply", {"text": "您好，我是人工客服"}).status_code == 200
    assert texts(customer.fake.sent_to(customer.chat_id)).endswith("您好，我是人工客服")


def telegram_cli(fake: FakeTelegram, *args: str, **kwargs: Any) -> subprocess.Popen:
    env = dict(os.environ, TELEGRAM_TOKEN=TOKEN, TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET, TELEGRAM_API_URL=fake.url)
    return subprocess.Popen([sys.executable, "-m", "bot.channels.telegram", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def test_set_webhook_registers_the_url_with_the_secret(fake_telegram: FakeTelegram):
    process = telegram_cli(fake_telegram, "set-webhook", "https://tp.example.com/webhooks/telegram/webhook")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    [call] = [c for c in fake_telegram.calls_of("setWebhook") if c["url"].startswith("https://tp.example.com")]
    assert call["secret_token"] == TELEGRAM_SECRET


def test_polling_feeds_the_same_webhook(customer: TelegramUser, fake_telegram: FakeTelegram):
    fake_telegram.updates.append(customer.update(text="保修期多久"))
    process = telegram_cli(fake_telegram, "poll", "--webhook", f"{customer.server.url}/webhooks/telegram/webhook")
    try:
        deadline = time.monotonic() + 120
        while not customer.fake.sent_to(customer.chat_id) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "保修" in texts(customer.fake.sent_to(customer.chat_id))
        assert fake_telegram.calls_of("deleteWebhook")
    finally:
        process.kill()
        process.communicate()


def test_missing_credentials_disable_the_channel_with_one_log_line(caplog):
    channel = TelegramChannel.from_credentials({"token": "", "secret_token": "s", "api_url": ""})
    with caplog.at_level("WARNING"):
        blueprint = channel.blueprint(lambda message: None)
    assert not channel.enabled and not blueprint._future_routes
    assert [r.message for r in caplog.records] == [
        "telegram: disabled (set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN to enable it)"]


def test_a_photo_is_fetched_stored_and_answered_and_an_agent_sends_one_back(customer: TelegramUser, new_agent):
    sizes = {"small": picture("JPEG", size=(90, 60)), "large": picture("JPEG", size=(1280, 960))}
    customer.fake.files.update({f"{key}-{customer.chat_id}": data for key, data in sizes.items()})
    photo = [{"file_id": f"{key}-{customer.chat_id}", "file_unique_id": key, "width": w, "height": h,
              "file_size": len(sizes[key])} for key, (w, h) in (("small", (90, 60)), ("large", (1280, 960)))]
    before = len(customer.fake.sent_to(customer.chat_id))
    assert customer.post(customer.update(photo=photo, caption="路由器指示灯一直红色")).status_code == 200
    replies = texts(customer.fake.sent_to(customer.chat_id)[before:])
    assert response_text("utter_picture_received") in replies
    events = customer.server.tracker(f"tg-{customer.chat_id}")["events"]
    said = [e for e in events if e["event"] == "user"]
    assert [e["text"] for e in said][:2] == ["[图片]", "路由器指示灯一直红色"]  # the picture, then its caption
    assert said[0]["metadata"]["tp_media"]["width"] == 1280  # the largest size was fetched

    agent = new_agent()
    customer.say("转人工")
    ticket = next(t for t in agent.get("/queue").json()["waiting"] if t["conversation_id"] == f"tg-{customer.chat_id}")
    assert agent.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    sent = agent.post(f"/tickets/{ticket['id']}/picture", {"data": base64.b64encode(picture("PNG")).decode()})
    assert sent.status_code == 200
    uploaded = customer.fake.calls_of("sendPhoto")[-1]
    assert uploaded["chat_id"] == str(customer.chat_id) and uploaded["photo"] == picture("PNG")  # the bytes
    assert agent.post(f"/tickets/{ticket['id']}/close").status_code == 200


def test_a_photo_too_large_is_refused_before_it_is_fetched(customer: TelegramUser):
    huge = [{"file_id": "never-fetched", "file_unique_id": "h", "width": 9000, "height": 9000, "file_size": 30_000_000}]
    before = len(customer.fake.sent_to(customer.chat_id))
    assert customer.post(customer.update(photo=huge)).status_code == 200
    assert "图片太大了（30.0 MB），请发送不超过 5 MB 的图片" in texts(customer.fake.sent_to(customer.chat_id)[before:])
    assert customer.fake.calls_of("getFile") == [] or all(
        c["file_id"] != "never-fetched" for c in customer.fake.calls_of("getFile"))
