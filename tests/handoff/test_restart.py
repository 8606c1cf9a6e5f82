"""A server restart during a hand-off loses nothing: queue, assignment, paused state, messages, agent session."""

import secrets
from pathlib import Path

import httpx

from bot.handoff.agents import create_agent
from bot.store.db import get_engine, transaction
from tests.conftest import Chat, RasaServer, free_port, response_text, start_rasa, texts
from tests.console.conftest import PASSWORD, Console


def test_the_agent_continues_after_a_server_restart(trained_model: Path, action_server: str, server_dir: Path,
                                                     server_database: str):
    directory = server_dir / "restart"
    directory.mkdir()
    server = RasaServer(f"http://127.0.0.1:{free_port()}", secrets.token_hex(16), directory / "tracker.db",
                        server_database)
    process = start_rasa(server, trained_model, action_server, directory / "rasa-1.log")
    try:
        with transaction(get_engine(server_database)) as session:
            create_agent(session, "restart-agent", "小周", PASSWORD)
        agent = Console(server, "restart-agent")
        assert agent.login().status_code == 200
        # Without Telegram credentials the channel is off, not broken: no route, the server runs.
        assert httpx.post(f"{server.url}/webhooks/telegram/webhook", json={}, timeout=30).status_code == 404
        chat, waiting = Chat(server), Chat(server)
        chat.say("转人工")
        waiting.say("转人工")
        ticket_id = chat.ticket().id
        assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
        chat.say("我的路由器坏了")

        process.stop()
        stopped = (directory / "rasa-1.log").read_text(encoding="utf-8")
        assert "left out of garbage collection" in stopped  # the loaded model, frozen once started
        assert "Task was destroyed" not in stopped  # the console's idle check ended with the server
        process = start_rasa(server, trained_model, action_server, directory / "rasa-2.log")

        assert agent.get("/me").status_code == 200  # still logged in
        queue = agent.get("/queue").json()
        assert [t["id"] for t in queue["mine"]] == [ticket_id]
        assert waiting.ticket().id in [t["id"] for t in queue["waiting"]]
        assert chat.paused() and waiting.paused()
        history = [line["text"] for line in agent.get(f"/tickets/{ticket_id}").json()["history"]]
        assert "我的路由器坏了" in history

        assert chat.say("还在吗") == []  # still the agent's conversation: the bot keeps quiet
        assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "在的，请问型号是？"}).status_code == 200
        assert "在的，请问型号是？" in texts(chat.outbox())
        assert agent.post(f"/tickets/{ticket_id}/close").status_code == 200
        assert response_text("utter_ask_service_rating") in texts(chat.outbox())
        assert not chat.paused()
    finally:
        process.stop()
