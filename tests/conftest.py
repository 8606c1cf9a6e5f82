"""Shared fixtures: one trained model per test session, real servers on loopback.

The model is trained once for the current inputs (or reused from `models/`); the action server and the Rasa
server run as real processes, as `make run` starts them, on free loopback ports.
"""

from __future__ import annotations

import os
import secrets
import sys
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest
import yaml
from sqlalchemy import select

from tools.benchmark.servers import Server, free_port
from bot.core.settings import settings
from bot.knowledge import KNOWLEDGE_DIR, PROJECT_ROOT, load_knowledge
from bot.store import schema
from bot.store.db import get_engine, transaction
from bot.store.importer import catalogue_document, import_document
from bot.store.models import HandoffTicket
from bot.training import ensure_model
from tests.channels.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_wechat import APP_ID as WECHAT_APP_ID
from tests.channels.fake_wechat import APP_SECRET as WECHAT_APP_SECRET
from tests.channels.fake_wechat import FakeWeChat
from tests.postgres import TemporaryPostgres
from tests.postgres import unavailable_reason as postgres_unavailable
from tests.records import RECORDS_DAY, Ids, records

RASA = str(Path(sys.executable).with_name("rasa"))
TELEGRAM_SECRET = "test-secret-token"
WIDGET_IDENTITY_SECRET = "test-identity-secret"
WECHAT_TOKEN = "test"
WECHAT_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # wechatpy's test key
SERVER_ENV = {
    # Agents work around the clock in tests, so that a hand-off does not depend on when the suite runs.
    "HANDOFF_HOURS": "00:00-24:00",
    "HANDOFF_DAYS": "1-7",
    "HANDOFF_SUPERVISORS": "supervisor",
    "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
    "WIDGET_IDENTITY_SECRET": WIDGET_IDENTITY_SECRET,
    "RASA_TELEMETRY_ENABLED": "false",
    "SANIC_KEEP_ALIVE_TIMEOUT": "75",  # as scripts/lib.sh sets it
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TP_DEV_MODE": "1",
    # Many tests guess wrong phone tails of the same few customers on the shared server; the per-record lock is
    # tested on its own (tests/actions/test_orders.py), so here it must not lock those customers for the suite.
    "TP_VERIFICATION_RECORD_ATTEMPTS": "10000",  # the REST channel open to loopback clients, as `make run` starts it without a token
}
# Channels a server starts with unless a test gives their settings.
CHANNELS_OFF = {name: "" for name in ("TELEGRAM_TOKEN", "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET",
                                      "WECHAT_AES_KEY", "REDIS_URL")}


@pytest.fixture
def monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    """pytest's monkeypatch, re-reading the settings (bot.core.settings) whenever a test changes the environment."""
    patch = pytest.MonkeyPatch()
    setenv, delenv = patch.setenv, patch.delenv

    def changed_setenv(*args: Any, **kwargs: Any) -> None:
        setenv(*args, **kwargs)
        settings.cache_clear()

    def changed_delenv(*args: Any, **kwargs: Any) -> None:
        delenv(*args, **kwargs)
        settings.cache_clear()

    patch.setenv, patch.delenv = changed_setenv, changed_delenv
    yield patch
    patch.undo()
    settings.cache_clear()


# Figures a test measured (the scale test's turns/s, latencies), printed at the end of the run.
FIGURES: List[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("measured")
        for line in FIGURES:
            terminalreporter.write_line(line)


def seed_database(url: str) -> None:
    """Schema, the real product catalogue and the test records, in the database at `url`."""
    engine = get_engine(url)
    schema.upgrade(engine)
    import_document(catalogue_document(load_knowledge(KNOWLEDGE_DIR).products), engine)
    import_document(records(), engine)


def use_database(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Seed the database at `url` and point DATABASE_URL at it for the code under test."""
    monkeypatch.setenv("DATABASE_URL", url)
    get_engine.cache_clear()
    seed_database(url)
    yield url
    get_engine(url).dispose()
    get_engine.cache_clear()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite database with the test records."""
    yield from use_database(f"sqlite:///{tmp_path / 'tp.db'}", monkeypatch)


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    server = TemporaryPostgres().start()
    yield server
    server.stop()


@pytest.fixture
def ids() -> Ids:
    return Ids(RECORDS_DAY)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    return ensure_model()


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def server_database(server_dir: Path) -> str:
    url = f"sqlite:///{server_dir / 'tp.db'}"
    seed_database(url)
    return url


@pytest.fixture(scope="session")
def action_server(server_dir: Path, server_database: str) -> Iterator[str]:
    port = free_port()
    server = Server(
        "action server",
        [RASA, "run", "actions", "--actions", "bot.actions", "--port", str(port)],
        dict(os.environ, **SERVER_ENV, DATABASE_URL=server_database),
        server_dir / "actions.log",
    )
    server.wait_until_ready(f"http://127.0.0.1:{port}/health", timeout=120)
    yield f"http://127.0.0.1:{port}/webhook"
    server.stop()


class RasaServer:
    def __init__(self, url: str, token: str, tracker_db: Path, database: str, rest_token: str = "") -> None:
        self.url = url
        self.token = token
        self.tracker_db = tracker_db
        self.database = database  # the business database the action server uses
        self.rest_token = rest_token  # REST_CHANNEL_TOKEN, when the server requires one

    @property
    def rest_headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.rest_token}"} if self.rest_token else {}

    def parse(self, text: str) -> Dict[str, Any]:
        response = httpx.post(f"{self.url}/model/parse", params={"token": self.token}, json={"text": text}, timeout=30)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = httpx.get(f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30)
        response.raise_for_status()
        return response.json()


def start_rasa(server: RasaServer, model: Path, action_server: str, log: Path, **settings: str) -> Server:
    """Start `rasa run` for `server` (its port, token, tracker store and business database) and wait for it;
    `settings` are extra environment variables. Telegram is off unless `settings` give its token and API."""
    env = {**os.environ, **CHANNELS_OFF, **SERVER_ENV, "REST_CHANNEL_TOKEN": server.rest_token,
           "ACTION_SERVER_URL": action_server, "TRACKER_STORE_URL": f"sqlite:///{server.tracker_db}",
           "DATABASE_URL": server.database}
    env.update(settings)
    port = server.url.rsplit(":", 1)[1]
    process = Server(
        "Rasa server",
        [
            sys.executable, "-m", "bot.server", "run", "--model", str(model), "--port", port,
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            "--enable-api", "--auth-token", server.token,
        ],
        env,
        log,
    )
    process.wait_until_ready(f"{server.url}/", timeout=300)
    return process


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def rasa_server(
    trained_model: Path, action_server: str, server_dir: Path, server_database: str, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> Iterator[RasaServer]:
    """`rasa run` as `make run` starts it, with the API enabled behind a token so tests can inspect NLU, and
    Telegram and WeChat enabled against local fakes of their APIs."""
    server = RasaServer(f"http://127.0.0.1:{free_port()}", secrets.token_hex(16), server_dir / "tracker.db",
                        server_database)
    process = start_rasa(server, trained_model, action_server, server_dir / "rasa.log",
                         TELEGRAM_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_URL=fake_telegram.url,
                         WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID=WECHAT_APP_ID, WECHAT_APP_SECRET=WECHAT_APP_SECRET,
                         WECHAT_AES_KEY=WECHAT_AES_KEY, WECHAT_API_URL=fake_wechat.url, WECHAT_REPLY_BUDGET="4",
                         MEDIA_DIR=str(server_dir / "media"))
    yield server
    process.stop()


class Chat:
    """One customer talking to the bot over the REST webhook."""

    def __init__(self, server: RasaServer, sender: Optional[str] = None) -> None:
        self.server = server
        self.sender = sender or f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> List[Dict[str, Any]]:
        response = httpx.post(
            f"{self.server.url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            headers=self.server.rest_headers,
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def outbox(self, after: int = 0) -> List[Dict[str, Any]]:
        """Messages pushed to this customer outside replies (agents, hand-off notices), after message id `after`."""
        response = httpx.get(f"{self.server.url}/webhooks/rest/outbox", params={"sender": self.sender, "after": after},
                             headers=self.server.rest_headers, timeout=30)
        response.raise_for_status()
        return response.json()["messages"]

    def paused(self) -> bool:
        return self.server.tracker(self.sender)["paused"]

    def ticket(self) -> Optional[HandoffTicket]:
        """The conversation's latest hand-off ticket."""
        with transaction(get_engine(self.server.database)) as session:
            query = select(HandoffTicket).where(HandoffTicket.conversation_id == self.sender)
            ticket = session.execute(query.order_by(HandoffTicket.id.desc())).scalars().first()
            if ticket is not None:
                session.expunge(ticket)
            return ticket


@pytest.fixture
def chat(rasa_server: RasaServer) -> Chat:
    return Chat(rasa_server)


@lru_cache(maxsize=1)
def domain_responses() -> Dict[str, List[dict]]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def response_text(name: str) -> str:
    return domain_responses()[name][0]["text"]


CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def buttons(replies: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [button for reply in replies for button in reply.get("buttons", [])]
