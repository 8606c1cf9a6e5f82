"""Kept-alive HTTP sessions for Rasa's endpoints (the action server above all).

Rasa 3.6's `EndpointConfig.request` opens a new `aiohttp.ClientSession`, and so a new TCP connection, for every
call: a transactional turn calls the action server one to three times, and each call paid for a session, a
connector, a connection and its teardown on both servers (`make bench`, py-spy: a tenth of the Rasa process's CPU
under load). `EndpointConfig.session` now hands out one session per event loop and endpoint set-up (headers,
basic auth), whose connections are kept alive for `KEEPALIVE_SECONDS`, shorter than the action server's own
keep-alive (Sanic: 5 s), so a pooled connection is never one the server has already closed. Requests, headers,
timeouts and errors are Rasa's own; only the session outlives the request.

Request bodies are encoded with ujson (installed with Sanic, which Rasa requires; the standard library's encoder
otherwise): a call of the action server carries 30-45 KB of JSON, 0.6 ms to encode with `json.dumps` and 0.15 ms
with ujson, in the Rasa process that serves every conversation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Hashable, Tuple

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

try:
    from ujson import dumps as encode_json
except ImportError:  # pragma: no cover - Sanic installs ujson wherever Rasa runs
    from json import dumps as encode_json

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 2.0
CONNECTIONS_PER_HOST = 100  # aiohttp's default limit for a whole session; the action server is one host

_Key = Tuple[int, Hashable]
_sessions: Dict[_Key, Tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}


class _Borrowed:
    """`async with endpoint.session() as session` without closing the shared session at the end."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:  # callers that use the session without `async with`
        return getattr(self._session, name)


def _setup(endpoint: EndpointConfig) -> Hashable:
    auth = endpoint.basic_auth or {}
    return (tuple(sorted((endpoint.headers or {}).items())), auth.get("username"), auth.get("password"))


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    auth = endpoint.basic_auth
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS, limit_per_host=CONNECTIONS_PER_HOST),
        json_serialize=encode_json,
    )


def pooled_session(endpoint: EndpointConfig) -> _Borrowed:
    """The `EndpointConfig.session` installed by `bot.rasa_hooks`: this loop's shared session for the endpoint."""
    loop = asyncio.get_running_loop()
    key = (id(loop), _setup(endpoint))
    owner, session = _sessions.get(key, (None, None))
    if owner is not loop or session is None or session.closed:  # an id can be reused by a later loop
        session = _new_session(endpoint)
        _sessions[key] = (loop, session)
    return _Borrowed(session)


async def close_sessions(*_: Any) -> None:
    """A server listener (before stop): close the sessions of the running loop, forget the others'."""
    loop = asyncio.get_running_loop()
    for key in list(_sessions):
        owner, session = _sessions.pop(key)
        if owner is loop and not session.closed:
            await session.close()


def open_sessions() -> int:
    return sum(not session.closed for _, session in _sessions.values())
