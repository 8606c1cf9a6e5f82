"""Probes of the attack review (issue 14), as regression tests over the real server: no client can take over
another customer's conversation, and malformed or oversized input on every channel gets a 4xx with a reason."""

import time
import uuid

import httpx
import pytest

from bot.core.adapter import SLOW_DOWN, TOO_LONG
from bot.core.identity import issue_session
from bot.channels.widget import SESSION_SECRET
from bot.store.db import get_engine, transaction
from bot.store.models import ServerSecret
from tests.channels.test_telegram import TelegramUser
from tests.channels.test_wechat import WeChatUser, sign
from tests.channels.test_widget import SocketCustomer
from tests.conftest import TELEGRAM_SECRET, WECHAT_TOKEN, Chat, RasaServer, texts


def widget_key(server: RasaServer) -> str:
    with transaction(get_engine(server.database)) as session:
        return session.get(ServerSecret, SESSION_SECRET).value


@pytest.fixture
def telegram_customer(rasa_server: RasaServer, fake_telegram) -> TelegramUser:
    return TelegramUser(rasa_server, fake_telegram)


def user_texts(server: RasaServer, conversation: str):
    return [e["text"] for e in server.tracker(conversation)["events"] if e["event"] == "user"]


def test_a_widget_cannot_claim_a_telegram_or_wechat_customers_conversation(rasa_server, telegram_customer):
    telegram_customer.say("我的订单还没到")
    wechat = WeChatUser(rasa_server)
    wechat.say("保修期多久")
    for victim in (f"tg-{telegram_customer.chat_id}", f"wx-{wechat.openid}"):
        forged_token = f"s1.{victim}.{int(time.time())}.{'A' * 43}"
        for request in ({"session_id": victim}, {"session_token": victim}, {"session_token": forged_token}):
            attacker = SocketCustomer(rasa_server, request)
            try:
                assert attacker.session_id.startswith("web-") and attacker.session_id != victim
                assert attacker.past == []  # none of the victim's history
            finally:
                attacker.close()


def test_a_widget_cannot_claim_another_widgets_conversation(rasa_server):
    victim = SocketCustomer(rasa_server)
    try:
        assert "保修" in victim.say("保修期多久")
        _, _, issued, mac = victim.token.split(".")
        other = SocketCustomer(rasa_server)
        stolen_mac = f"s1.{victim.session_id}.{issued}.{other.token.split('.')[3]}"  # a valid MAC of another id
        other.close()
        expired = issue_session(widget_key(rasa_server), victim.session_id, now=time.time() - 400 * 86400)[1]
        for request in ({"session_id": victim.session_id}, {"session_token": stolen_mac},
                        {"session_token": expired}):
            attacker = SocketCustomer(rasa_server, request)
            try:
                assert attacker.session_id != victim.session_id and attacker.past == []
            finally:
                attacker.close()
        again = SocketCustomer(rasa_server, {"session_token": victim.token})  # the victim's own reload
        try:
            assert again.session_id == victim.session_id
            assert [m["text"] for m in again.past if m["from"] == "customer"] == ["保修期多久"]
        finally:
            again.close()
    finally:
        victim.close()


@pytest.mark.parametrize("sender", ["tg-12345", "wx-oAbcdefg", "web-" + "0" * 32])
def test_rest_cannot_name_another_channels_conversation(rasa_server: RasaServer, sender):
    reply = httpx.post(f"{rasa_server.url}/webhooks/rest/webhook", json={"sender": sender, "message": "查订单"},
                       timeout=30)
    assert reply.status_code == 400 and "another channel" in reply.json()["error"]
    outbox = httpx.get(f"{rasa_server.url}/webhooks/rest/outbox", params={"sender": sender}, timeout=30)
    assert outbox.status_code == 400


@pytest.mark.parametrize("after", [str(10**40), "-1", "1e3", ""])
def test_the_outbox_refuses_impossible_positions(rasa_server: RasaServer, after):
    reply = httpx.get(f"{rasa_server.url}/webhooks/rest/outbox", params={"sender": "demo", "after": after}, timeout=30)
    assert reply.status_code == 400 if after else reply.status_code == 200


def test_a_long_message_is_cut_with_a_note_and_never_stored_whole(chat: Chat):
    replies = chat.say("保修期多久" + "啊" * 5000)
    assert TOO_LONG.format(limit=2000) in texts(replies)
    assert max(len(text) for text in user_texts(chat.server, chat.sender)) == 2000


def test_oversized_bodies_are_refused(rasa_server: RasaServer, telegram_customer):
    big = "啊" * 100_000
    rest = httpx.post(f"{rasa_server.url}/webhooks/rest/webhook", json={"sender": "big", "message": big}, timeout=30)
    assert rest.status_code == 413
    assert telegram_customer.post(telegram_customer.update(text=big)).status_code == 413
    wechat = WeChatUser(rasa_server)
    assert wechat.post(wechat.text(big)).status_code == 413


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"update_id": "1"}', b'{"update_id": true}',
                                  b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "text": "hi"}}'])
def test_malformed_telegram_updates_get_a_400(rasa_server: RasaServer, body):
    reply = httpx.post(f"{rasa_server.url}/webhooks/telegram/webhook", content=body, timeout=30,
                       headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["error"]


@pytest.mark.parametrize("body", [b"", b"<xml><Encrypt><![CDATA[abc", b"<xml></xml>", b"not xml"])
def test_unreadable_safe_mode_requests_are_refused_not_crashed(rasa_server: RasaServer, body):
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    params = {"timestamp": timestamp, "nonce": nonce, "signature": sign(WECHAT_TOKEN, timestamp, nonce),
              "encrypt_type": "aes", "msg_signature": "0" * 40}
    reply = httpx.post(f"{rasa_server.url}/webhooks/wechat/webhook", params=params, content=body, timeout=30)
    assert reply.status_code == 403


def test_a_burst_is_answered_in_order_and_told_to_slow_down_once(rasa_server: RasaServer):
    customer = SocketCustomer(rasa_server)
    try:
        for number in range(1, 31):
            customer.client.emit("user_uttered", {"message": f"第{number}个问题：保修期多久",
                                                  "session_id": customer.session_id})
        replies = []
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                replies.append(customer.replies.get(timeout=5)["text"])
            except Exception:  # noqa: BLE001 - queue.Empty: the burst is over
                break
        handled = user_texts(rasa_server, customer.session_id)
        numbers = [int(text[1:text.index("个")]) for text in handled]
        assert numbers == sorted(numbers) and numbers[0] == 1  # in the order sent, none reordered
        assert len(numbers) >= 10  # the queue's worth at least; the rest asked to slow down, not lost silently
        assert replies.count(SLOW_DOWN) == (1 if len(numbers) < 30 else 0)
        assert "繁忙" not in "".join(replies)  # no lock errors
    finally:
        customer.close()
