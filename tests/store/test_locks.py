"""The conversation lock store: memory for one process, Redis (a real server) shared by replicas."""

import shutil
import subprocess
import time
from typing import Iterator

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.store.locks import ConversationLockStore, _UrlRedisLockStore
from tests.conftest import free_port


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server not installed (Debian package redis-server; `make test` installs it as root)")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait()


def test_without_redis_url_locks_stay_in_memory():
    assert isinstance(ConversationLockStore(EndpointConfig(url="")).backend, InMemoryLockStore)
    assert isinstance(ConversationLockStore(None).backend, InMemoryLockStore)


def test_replicas_share_conversation_locks_in_redis(redis_url):
    replica_a = ConversationLockStore(EndpointConfig(url=redis_url))
    replica_b = ConversationLockStore(EndpointConfig(url=redis_url))
    assert isinstance(replica_a.backend, _UrlRedisLockStore)

    ticket = replica_a.issue_ticket("customer-1")
    second = replica_b.issue_ticket("customer-1")  # the same customer's next message, on the other replica
    assert second == ticket + 1
    assert replica_b.get_lock("customer-1").is_locked(second)  # waits for replica A's message
    replica_a.finish_serving("customer-1", ticket)
    assert not replica_b.get_lock("customer-1").is_locked(second)
    replica_b.cleanup("customer-1", second)
    assert replica_a.get_lock("customer-1") is None


def test_an_unreachable_redis_fails_at_start_up():
    with pytest.raises(redis.ConnectionError):
        ConversationLockStore(EndpointConfig(url=f"redis://127.0.0.1:{free_port()}/0"))
