"""The channel adapter's error policy over a real server whose parts fail: Redis (the conversation locks) stopped
mid-run, the action server down. Every channel answers an internal error with the same polite apology; a Telegram
update whose handling failed is handled when Telegram retries it, and only once; the REST channel needs its
token outside development mode."""

import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import redis

from bot.core.adapter import APOLOGY
from tests.channels.test_telegram import TelegramUser
from tests.channels.test_wechat import WeChatUser
from tests.conftest import (
    TELEGRAM_TOKEN,
    WECHAT_AES_KEY,
    WECHAT_APP_ID,
    WECHAT_APP_SECRET,
    WECHAT_TOKEN,
    RasaServer,
    free_port,
    response_text,
    seed_database,
    start_rasa,
    texts,
)

REST_TOKEN = "rest-" + secrets.token_hex(8)


class Redis:
    """A redis-server of the test's own, stopped and started again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.directory)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (Debian package redis-server; `make test` installs it as root)")
    server = Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture(scope="module")
def fragile_server(trained_model: Path, tmp_path_factory: pytest.TempPathFactory, redis_server: Redis,
                   fake_telegram, fake_wechat) -> Iterator[RasaServer]:
    """Locks in Redis, no action server at all, the REST channel behind its token (not in development mode)."""
    directory = tmp_path_factory.mktemp("fragile-server")
    database = f"sqlite:///{directory / 'tp.db'}"
    seed_database(database)
    server = RasaServer(f"http://127.0.0.1:{free_port()}", secrets.token_hex(16), directory / "tracker.db", database,
                        rest_token=REST_TOKEN)
    process = start_rasa(server, trained_model, f"http://127.0.0.1:{free_port()}/webhook", directory / "rasa.log",
                         TP_DEV_MODE="0", REDIS_URL=redis_server.url, TELEGRAM_TOKEN=TELEGRAM_TOKEN,
                         TELEGRAM_API_URL=fake_telegram.url, WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID=WECHAT_APP_ID,
                         WECHAT_APP_SECRET=WECHAT_APP_SECRET, WECHAT_AES_KEY=WECHAT_AES_KEY,
                         WECHAT_API_URL=fake_wechat.url)
    yield server
    process.stop()


def rest(server: RasaServer, text: str, sender: str = "fragile-1", **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                      headers=headers, timeout=60)


def test_rest_needs_its_token_outside_development_mode(fragile_server: RasaServer):
    assert rest(fragile_server, "你好").status_code == 401  # from loopback too
    assert rest(fragile_server, "你好", Authorization="Bearer guessed").status_code == 401
    outbox = httpx.get(f"{fragile_server.url}/webhooks/rest/outbox", params={"sender": "fragile-1"}, timeout=30)
    assert outbox.status_code == 401
    assert rest(fragile_server, "你好", Authorization=f"Bearer {REST_TOKEN}").status_code == 200


def test_without_the_action_server_the_customer_gets_an_apology_and_faq_still_works(fragile_server: RasaServer):
    auth = {"Authorization": f"Bearer {REST_TOKEN}"}
    for attempt in range(4):  # the fourth finds the circuit open and is answered at once
        reply = rest(fragile_server, "查一下订单TP202611050017", sender=f"no-actions-{attempt}", **auth)
        assert reply.status_code == 200
        assert texts(reply.json()).count(response_text("utter_service_unavailable")) == 1, reply.json()
    faq = rest(fragile_server, "路由器保修期多久", sender="no-actions-faq", **auth).json()
    assert "保修" in texts(faq) and response_text("utter_service_unavailable") not in texts(faq)


def test_an_internal_error_gets_the_same_apology_on_every_channel_and_telegrams_retry_is_handled(
        fragile_server: RasaServer, redis_server: Redis, fake_telegram):
    telegram = TelegramUser(fragile_server, fake_telegram)
    wechat = WeChatUser(fragile_server)
    update = telegram.update(text="你好")
    redis_server.stop()  # the conversation locks are gone: every message fails inside Rasa
    try:
        reply = rest(fragile_server, "你好", sender="fragile-2", Authorization=f"Bearer {REST_TOKEN}")
        assert reply.status_code == 200 and texts(reply.json()) == APOLOGY
        assert telegram.post(update).status_code == 503  # Telegram will retry
        assert texts(fake_telegram.sent_to(telegram.chat_id)) == APOLOGY
        assert wechat.say("你好") == APOLOGY
    finally:
        redis_server.start()
    before = len(fake_telegram.sent_to(telegram.chat_id))
    assert telegram.post(update).status_code == 200  # Telegram's retry, now handled
    answered = fake_telegram.sent_to(telegram.chat_id)[before:]
    assert answered and APOLOGY not in texts(answered)
    assert telegram.post(update).status_code == 200  # a further retry is recognised and not handled again
    assert len(fake_telegram.sent_to(telegram.chat_id)) == before + len(answered)
