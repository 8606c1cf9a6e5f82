"""An agent who stays silent loses the conversation back to the queue, and the customer is told."""

import secrets
import time
from pathlib import Path

import httpx

from bot.handoff.agents import create_agent
from bot.store.db import get_engine, transaction
from tests.conftest import Chat, RasaServer, free_port, response_text, start_rasa, texts
from tests.console.conftest import PASSWORD, Console


def test_an_idle_agents_conversation_returns_to_the_queue(trained_model: Path, action_server: str, server_dir: Path,
                                                           server_database: str):
    directory = server_dir / "idle"
    directory.mkdir()
    server = RasaServer(f"http://127.0.0.1:{free_port()}", secrets.token_hex(16), directory / "tracker.db",
                        server_database, rest_token="rest-channel-token")
    process = start_rasa(server, trained_model, action_server, directory / "rasa.log",
                         HANDOFF_AGENT_IDLE_MINUTES="0.05", HANDOFF_IDLE_CHECK_SECONDS="1")
    try:
        with transaction(get_engine(server_database)) as session:
            create_agent(session, "idle-agent", "小闲", PASSWORD)
        agent = Console(server, "idle-agent")
        agent.login()
        chat = Chat(server)
        # This server requires the REST channel token (REST_CHANNEL_TOKEN): without it, 401.
        assert httpx.post(f"{server.url}/webhooks/rest/webhook", json={"sender": "x", "message": "你好"},
                          timeout=30).status_code == 401
        assert httpx.get(f"{server.url}/webhooks/rest/outbox", params={"sender": "x"}, timeout=30).status_code == 401
        chat.say("转人工")
        ticket_id = chat.ticket().id
        assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
        deadline = time.monotonic() + 20
        while chat.ticket().status == "assigned" and time.monotonic() < deadline:
            time.sleep(0.5)
        ticket = chat.ticket()
        assert (ticket.status, ticket.agent_id) == ("waiting", None) and chat.paused()
        assert response_text("utter_handoff_requeued") in texts(chat.outbox())
        assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "抱歉久等"}).status_code == 409
    finally:
        process.stop()
