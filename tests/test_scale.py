"""Scale-out as `make run-scaled` runs it: two Rasa replicas, one action server, PostgreSQL, Redis, nginx.

200 customers talk at once, ten turns each, every turn going to the other replica than the one before. Then a
hand-off started on one replica is served by an agent whose console is connected to the other, for a REST
customer and for a website-widget customer (whose Socket.IO connection stays on the first replica).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import httpx
import pytest
import sqlalchemy

from bot.handoff.agents import create_agent
from bot.knowledge import PROJECT_ROOT
from bot.store.db import get_engine, transaction
from tests.channels.test_widget import SocketCustomer
from tests.conftest import FIGURES, SERVER_ENV, Chat, RasaServer, free_port, texts
from tests.console.conftest import PASSWORD, Console
from tests.postgres import unavailable_reason as postgres_unavailable
from tools.benchmark.conversations import tp_conversation
from tools.benchmark.load import run_load

CONVERSATIONS = 200
NEEDED = {"redis-server": Path("/usr/bin/redis-server"), "nginx": Path("/usr/sbin/nginx")}


class Scaled:
    """The processes of scripts/run-scaled.sh on free ports, its data in a temporary directory."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tp-scaled-"))
        self.dir.chmod(0o755)  # PostgreSQL runs as 'postgres' when the tests run as root
        self.port, self.replica_ports = free_port(), [free_port(), free_port()]
        self.postgres_port, self.redis_port, self.action_port = free_port(), free_port(), free_port()
        env = dict(os.environ, **SERVER_ENV, SCALED_DIR=str(self.dir), SCALED_PORT=str(self.port),
                   REPLICA_PORTS=" ".join(map(str, self.replica_ports)), POSTGRES_PORT=str(self.postgres_port),
                   REDIS_PORT=str(self.redis_port), ACTION_PORT=str(self.action_port), CONSOLE_DEMO_AGENT="0",
                   REST_CHANNEL_TOKEN="", TELEGRAM_TOKEN="", WECHAT_TOKEN="")
        self.output = (self.dir / "run-scaled.out").open("w")
        self.process = subprocess.Popen(["scripts/run-scaled.sh"], cwd=PROJECT_ROOT, env=env, stdout=self.output,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def replicas(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.replica_ports]

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.postgres_port}/{name}"

    def server(self, replica: int) -> RasaServer:
        """A replica as the shared test helpers (Chat, Console, SocketCustomer) expect a server."""
        return RasaServer(self.replicas[replica], "", self.dir / "unused", self.database_url("tp"))

    def wait_until_ready(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if "is running with" in (self.dir / "run-scaled.out").read_text(errors="replace"):
                return
            time.sleep(2)
        self.stop()
        raise RuntimeError("run-scaled did not start:\n" + (self.dir / "run-scaled.out").read_text()[-3000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the script stops what it started
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.output.close()
        # The logs stay for a look after the run: reports/scale/ (like the screenshots in reports/e2e/).
        kept = PROJECT_ROOT / "reports" / "scale"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(self.dir / "log", kept, dirs_exist_ok=True)
        shutil.copy(self.dir / "run-scaled.out", kept)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def scaled(trained_model: Path) -> Iterator[Scaled]:
    missing = [name for name, path in NEEDED.items() if not path.exists()]
    reason = postgres_unavailable() or (missing and f"{', '.join(missing)} not installed (Debian packages "
                                                     "redis-server, nginx; `make test` installs them as root)")
    if reason:
        pytest.skip(reason)
    cluster = Scaled()
    cluster.wait_until_ready()
    yield cluster
    cluster.stop()


def _stored_turns(scaled: Scaled, prefix: str) -> Dict[str, List[Tuple[str, List[str]]]]:
    """Per conversation, each stored customer message with the bot messages stored after it."""
    engine = sqlalchemy.create_engine(scaled.database_url("tp_conversations"))
    query = sqlalchemy.text("SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE :prefix "
                            "AND type_name IN ('user', 'bot') ORDER BY id")
    turns: Dict[str, List[Tuple[str, List[str]]]] = defaultdict(list)
    with engine.connect() as connection:
        for sender, kind, data in connection.execute(query, {"prefix": f"{prefix}-%"}):
            text = json.loads(data).get("text")
            if kind == "user":
                turns[sender].append((text, []))
            elif turns[sender]:
                turns[sender][-1][1].append(text)
    engine.dispose()
    return turns


def test_200_conversations_alternating_between_replicas(scaled: Scaled):
    run = asyncio.run(run_load(scaled.replicas, tp_conversation, CONVERSATIONS, CONVERSATIONS, prefix="scale"))

    assert run.errors == [], run.errors[:5]
    assert len(run.results) == CONVERSATIONS * 10
    assert {r.url for r in run.results if r.index % 2} == {scaled.replicas[1]}  # alternating, as promised
    assert {r.url for r in run.results if not r.index % 2} == {scaled.replicas[0]}
    by_sender = defaultdict(list)
    for result in sorted(run.results, key=lambda r: r.index):
        by_sender[result.sender].append(result)
    stored = _stored_turns(scaled, "scale")
    assert set(stored) == set(by_sender)
    for sender, results in by_sender.items():
        # Every turn stored exactly once, in order; the bot messages stored are exactly the replies received.
        assert [text for text, _ in stored[sender]] == [r.turn.text for r in results], sender
        assert [bot for _, bot in stored[sender]] == [[m.get("text") for m in r.replies] for r in results], sender
        # The look-up after the phone check (turn 5, on the other replica than the order number) found the order.
        order = results[3].turn.text
        assert order in texts(results[4].replies), (sender, results[4].replies)
    summary = run.summary()
    FIGURES.append(f"scale test: {CONVERSATIONS} conversations x 10 turns alternating between 2 replicas, no pauses: "
                   f"{len(run.results)} turns in {run.seconds:.1f} s ({summary.turns_per_second:.1f} turns/s), "
                   f"p50 {summary.p50_ms:.0f} ms, p99 {summary.p99_ms:.0f} ms, 0 errors, each turn stored once")


def _agent(scaled: Scaled, replica: int) -> Console:
    username = f"scale-agent-{replica}-{time.monotonic_ns() % 100000}"
    with transaction(get_engine(scaled.database_url("tp"))) as session:
        create_agent(session, username, "客服小周", PASSWORD)
    console = Console(scaled.server(replica), username)
    assert console.login().status_code == 200
    return console


def _claim(console: Console, conversation_id: str) -> int:
    queue = console.get("/queue").json()["waiting"]
    ticket = next(t for t in queue if t["conversation_id"] == conversation_id)
    assert console.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    return ticket["id"]


def test_a_handoff_on_one_replica_is_served_from_the_other(scaled: Scaled):
    customer = Chat(scaled.server(0))
    agent = _agent(scaled, 1)  # presence: the agent is online before the customer asks
    assert "排队" in texts(customer.say("转人工"))
    ticket = _claim(agent, customer.sender)
    assert agent.post(f"/tickets/{ticket}/reply", {"text": "您好，我是小周，请问有什么可以帮您？"}).status_code == 200
    assert any("我是小周" in m.get("text", "") for m in customer.outbox())  # read from replica 0
    assert customer.say("路由器一直掉线") == []  # while an agent serves it, the bot stays quiet
    history = agent.get(f"/tickets/{ticket}").json()["history"]  # replica 1 reads what replica 0 stored
    assert any(m["text"] == "路由器一直掉线" for m in history)
    assert agent.post(f"/tickets/{ticket}/close").status_code == 200
    assert any("打分" in m.get("text", "") for m in customer.outbox())


def test_a_widget_on_one_replica_gets_the_agent_of_the_other(scaled: Scaled):
    widget = SocketCustomer(scaled.server(0))  # its Socket.IO connection stays on replica 0
    agent = _agent(scaled, 1)
    try:
        widget.say("转人工")
        ticket = _claim(agent, widget.session_id)
        assert agent.post(f"/tickets/{ticket}/reply", {"text": "您好，这里是人工客服小周。"}).status_code == 200
        deadline = time.monotonic() + 15
        received = []
        while time.monotonic() < deadline and not any("这里是人工客服小周" in t for t in received):
            received.append(widget.replies.get(timeout=15)["text"])
        assert any("这里是人工客服小周" in t for t in received), received  # sent by replica 1, through Redis
    finally:
        widget.client.disconnect()


def test_nginx_serves_rest_and_the_widget(scaled: Scaled):
    proxied = RasaServer(scaled.url, "", scaled.dir / "unused", scaled.database_url("tp"))
    assert "保修" in texts(Chat(proxied).say("保修期多久"))
    widget = SocketCustomer(proxied)  # long-polling through nginx's sticky upstream
    try:
        assert "保修" in widget.say("保修期多久")
    finally:
        widget.client.disconnect()
    assert httpx.get(f"{scaled.url}/console/login", timeout=10).status_code == 200
