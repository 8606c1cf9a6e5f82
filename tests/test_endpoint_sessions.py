"""bot.endpoint_sessions: Rasa's endpoint calls reuse one kept-alive session per loop (real HTTP on loopback)."""

import asyncio
from typing import List

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import endpoint_sessions, rasa_hooks


@pytest.fixture(autouse=True)
def installed():
    rasa_hooks.install()
    yield
    rasa_hooks.uninstall()


async def _serve(peers: List[object], keepalive: float = 75.0):
    """An action-server stand-in on loopback that records the client port of every request."""

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        if request.headers.get("X-Fail"):
            return web.json_response({"error": "boom"}, status=500)
        return web.json_response({"events": [], "responses": [], "seen": await request.json()})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app, keepalive_timeout=keepalive)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook"


def test_calls_share_one_connection_and_rasas_results():
    async def scenario():
        peers: List[object] = []
        runner, url = await _serve(peers)
        endpoint = EndpointConfig(url, headers={"X-Bot": "tp"})
        try:
            answers = [await endpoint.request(json={"n": n}) for n in range(5)]
            assert [answer["seen"] for answer in answers] == [{"n": n} for n in range(5)]
            assert len(set(peers)) == 1  # one TCP connection for five calls (Rasa: five)
            assert endpoint_sessions.open_sessions() == 1
            with pytest.raises(ClientResponseError) as failure:  # errors are Rasa's own
                await endpoint.request(json={}, headers={"X-Fail": "1"})
            assert failure.value.status == 500 and failure.value.text == b'{"error": "boom"}'
            assert (await endpoint.request(json={"after": "error"}))["seen"] == {"after": "error"}
        finally:
            await endpoint_sessions.close_sessions()
            await runner.cleanup()
        assert endpoint_sessions.open_sessions() == 0

    asyncio.run(scenario())


def test_a_body_with_chinese_text_and_numbers_arrives_as_sent():
    async def scenario():
        peers: List[object] = []
        runner, url = await _serve(peers)
        body = {"text": "交换机保几年？/ \"TL-SG1008D\"", "confidence": 0.9876543210123, "n": 2 ** 53, "none": None,
                "events": [{"event": "user", "parse_data": {"entities": []}}]}
        try:
            assert (await EndpointConfig(url).request(json=body))["seen"] == body
        finally:
            await endpoint_sessions.close_sessions()
            await runner.cleanup()

    asyncio.run(scenario())


def test_an_idle_connection_is_dropped_before_the_server_drops_it():
    async def scenario():
        peers: List[object] = []
        runner, url = await _serve(peers, keepalive=endpoint_sessions.KEEPALIVE_SECONDS + 1)
        endpoint = EndpointConfig(url)
        try:
            await endpoint.request(json={})
            await asyncio.sleep(endpoint_sessions.KEEPALIVE_SECONDS + 0.5)  # the client let it go, the server not yet
            assert (await endpoint.request(json={"again": True}))["seen"] == {"again": True}
            assert len(set(peers)) == 2
        finally:
            await endpoint_sessions.close_sessions()
            await runner.cleanup()

    asyncio.run(scenario())


def test_each_loop_gets_its_own_session_and_uninstall_restores_rasas():
    async def call(url: str) -> None:
        await EndpointConfig(url).request(json={})

    async def scenario(peers: List[object]) -> None:
        runner, url = await _serve(peers)
        try:
            await call(url)
            await call(url)
        finally:
            await endpoint_sessions.close_sessions()
            await runner.cleanup()

    first: List[object] = []
    second: List[object] = []
    asyncio.run(scenario(first))
    asyncio.run(scenario(second))  # a new loop: a session of the closed loop is never handed out
    assert len(set(first)) == 1 and len(set(second)) == 1
    rasa_hooks.uninstall()
    assert EndpointConfig.session is not endpoint_sessions.pooled_session
