"""Rasa's conversation lock store, chosen by REDIS_URL: Redis when replicas share conversations, else memory.

Rasa takes a lock per conversation while it handles a message. One process can keep the locks in memory; as
soon as two replicas serve the same conversations the locks must live in Redis, or two replicas could handle
one customer's messages at once and interleave their events. Rasa's own `RedisLockStore` takes host, port and
db separately; this store takes the one `REDIS_URL` that the WeChat token store and the widget's Socket.IO
queue use too (`endpoints.yml`: `lock_store.url: ${REDIS_URL}`).
"""

from __future__ import annotations

import logging
from typing import Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
                                  InMemoryLockStore, LockStore, RedisLockStore)
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


class _UrlRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, connected from a URL (redis://[:password@]host:port/db)."""

    def __init__(self, url: Text, key_prefix: Optional[Text] = None) -> None:
        # Not RedisLockStore.__init__: it builds its client from host, port and db, not from a URL.
        import redis

        self.red = redis.StrictRedis.from_url(url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
        self.key_prefix = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        if key_prefix:
            self._set_key_prefix(key_prefix)


class ConversationLockStore(LockStore):
    """Redis (`url`, normally ${REDIS_URL}) when set, else this process's memory."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        url = (endpoint_config.url or "").strip() if endpoint_config else ""
        key_prefix = endpoint_config.kwargs.get("key_prefix") if endpoint_config else None
        if url:
            self._store: LockStore = _UrlRedisLockStore(url, key_prefix)
            self._store.red.ping()  # fail at start-up, not on the first customer message
            logger.info("Conversation locks in Redis (REDIS_URL): replicas can share conversations.")
        else:
            self._store = InMemoryLockStore()
            logger.info("Conversation locks in memory: run a single Rasa process (set REDIS_URL for replicas).")

    @property
    def backend(self) -> LockStore:
        return self._store

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self._store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self._store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._store.save_lock(lock)
