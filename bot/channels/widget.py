"""The website chat widget: Rasa's Socket.IO channel, fixed and extended.

- Rasa 3.6's `SocketIOInput` calls `sio.enter_room` without `await`; with python-socketio 5.x the customer never
  joins the room of their session, and with `session_persistence` every reply is silently lost
  (RasaHQ/rasa#13027). Here it is awaited.
- The session id lives in the browser (localStorage), so a reload continues the conversation: on
  `session_request` the widget gets the conversation so far (`history` event) and whether a person is serving it.
- The hand-off gate is in front of the bot, and agents' messages and hand-off changes reach the widget
  (`bot_uttered` with `agent`, `handoff` events).
- With several replicas (REDIS_URL set) the Socket.IO server publishes through Redis (`AsyncRedisManager`): a
  reply or an agent's message produced on one replica reaches a widget connected to another.

Assets: /widget/widget.js (the embeddable script), /widget/vendor/socket.io.min.js (vendored by
scripts/vendor-widget.sh), a demo page at /widget/demo and, for browsers, at /.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer
from sqlalchemy.exc import SQLAlchemyError

from bot.channels import delivery
from bot.channels.identity import VERIFIED_PHONE, InvalidIdentity, verified_phone
from bot.handoff.gate import handle_message
from bot.handoff.live import AGENT_MESSAGE
from bot.handoff.tickets import open_ticket_for
from bot.store.db import transaction

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("widget_assets")
FILES = {"widget.js": "application/javascript", "widget.css": "text/css",
         "vendor/socket.io.min.js": "application/javascript", "demo": "text/html"}
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
HISTORY_LIMIT = 100
INVALID_IDENTITY = "您的登录状态已失效，请刷新页面或重新登录后再试。"
MAX_MESSAGE = 2000
TOO_LONG = f"消息太长了，请精简到 {MAX_MESSAGE} 字以内再发送。"
BUSY = "抱歉，系统暂时繁忙，请稍后再试，或发送“转人工”。"


def history_messages(events: List[Any]) -> List[Dict[str, Any]]:
    """The conversation as the widget shows it: the customer's messages and the bot's and agents' replies."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            messages.append({"from": "customer", "text": event.text})
        elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons")):
            agent = (event.metadata or {}).get(AGENT_MESSAGE)
            messages.append({"from": "agent" if agent else "bot", "agent": agent, "text": event.text or ""})
    return messages[-HISTORY_LIMIT:]


class _WidgetBlueprint(SocketBlueprint):
    """Also shows the demo page at `/` to browsers; Rasa's own `/` (the version text) stays for everything else."""

    def register(self, app: Any, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        app.register_middleware(_demo_for_browsers_at_root, "request")


async def _demo_for_browsers_at_root(request: Request) -> Optional[HTTPResponse]:
    if request.path == "/" and request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return await response.file(ASSETS / "demo.html", mime_type="text/html")
    return None


class WidgetOutput(SocketIOOutput):
    """Rasa's Socket.IO output, naming the agent on agents' messages."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        agent = (kwargs.get("metadata") or {}).get(AGENT_MESSAGE)
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **({"agent": agent} if agent else {})})


class WidgetDelivery(delivery.Delivery):
    channel = "socketio"

    def __init__(self, sio: AsyncServer, event: str) -> None:
        self._sio, self._event = sio, event

    def output_channel(self, recipient_id: Text) -> OutputChannel:
        return WidgetOutput(self._sio, self._event)

    async def handoff_changed(self, recipient_id: Text, state: Text, agent_name: Optional[Text] = None) -> None:
        await self._sio.emit("handoff", {"state": state, "agent": agent_name}, room=recipient_id)


class WidgetChannel(SocketIOInput):
    """`socketio` in credentials.yml terms; session persistence is always on (the widget relies on it)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WidgetChannel":
        credentials = credentials or {}
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"), "", True, "/socket.io")

    def url_prefix(self) -> Text:
        return "/widget"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        origins = os.environ.get("WIDGET_ALLOWED_ORIGINS", "*").strip() or "*"
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins="*" if origins == "*" else origins.split(","),
                          client_manager=_client_manager())
        widget = _WidgetBlueprint(sio, self.socketio_path, "tp_widget", __name__)
        self.sio = sio
        delivery.register(WidgetDelivery(sio, self.bot_message_evt))

        @widget.route("/<name:path>", methods=["GET"])
        async def assets(request: Request, name: str) -> HTTPResponse:
            if name not in FILES:
                return response.text("not found", status=404)
            path = ASSETS / ("demo.html" if name == "demo" else name)
            if not path.is_file():
                logger.error("widget: %s is missing (run scripts/vendor-widget.sh)", path)
                return response.text("widget assets not built", status=503)
            return await response.file(path, mime_type=FILES[name], headers={"Cache-Control": "no-cache"})

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("session_request")
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            requested = (data or {}).get("session_id")
            session_id = requested if isinstance(requested, str) and _SESSION_ID.fullmatch(requested) \
                else uuid.uuid4().hex
            await sio.enter_room(sid, session_id)  # awaited: the fix for RasaHQ/rasa#13027
            await sio.emit("session_confirm", session_id, room=sid)
            await self._send_history(sio, sid, session_id)

        @sio.on(self.user_message_evt)
        async def user_message(sid: Text, data: Dict) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str) \
                    or data.get("session_id") not in sio.rooms(sid):
                # Only the session this connection asked for (session_request): no writing into others' chats.
                logger.warning("widget: ignored a message without text or for a session not joined, from %s", sid)
                return
            output = WidgetOutput(sio, self.bot_message_evt)
            if len(data["message"]) > MAX_MESSAGE:
                await output.send_text_message(data["session_id"], TOO_LONG)
                return
            metadata = {k: v for k, v in (data.get("metadata") or {}).items() if k != VERIFIED_PHONE} \
                if isinstance(data.get("metadata"), dict) else {}
            if data.get("identity"):
                phone = _checked_identity(data["identity"])
                if phone is None:
                    await output.send_text_message(data["session_id"], INVALID_IDENTITY)
                    return
                metadata[VERIFIED_PHONE] = phone
            message = UserMessage(data["message"], output, data["session_id"], input_channel=self.name(),
                                  metadata=metadata or None)
            try:
                await handle_message(self._agent, on_new_message, message)
            except Exception:  # noqa: BLE001 - the operator gets the trace, the customer a polite word
                logger.exception("widget: failed to handle a message for %s", data["session_id"])
                await output.send_text_message(data["session_id"], BUSY)
                return
            state = await asyncio.to_thread(_handoff_state, data["session_id"])
            if state is not None:  # e.g. this message asked for a person: show it in the widget's status line
                await sio.emit("handoff", state, room=data["session_id"])

        @widget.listener("after_server_start")
        async def remember_agent(app: Any, loop: Any) -> None:
            self._agent = app.ctx.agent

        return widget

    async def _send_history(self, sio: AsyncServer, sid: Text, session_id: Text) -> None:
        tracker = await self._agent.processor.get_tracker(session_id)
        await sio.emit("history", {"messages": history_messages(list(tracker.events)),
                                   "handoff": await asyncio.to_thread(_handoff_state, session_id)}, room=sid)


def _client_manager() -> Optional[AsyncRedisManager]:
    """Redis pub/sub between replicas when REDIS_URL is set; None keeps python-socketio's in-process manager."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return None
    logger.info("widget: Socket.IO messages are shared between replicas through Redis (REDIS_URL)")
    return AsyncRedisManager(url)


def _checked_identity(token: Any) -> Optional[Text]:
    """The phone a signed identity vouches for (WIDGET_IDENTITY_SECRET), or None: the message is rejected."""
    secret = os.environ.get("WIDGET_IDENTITY_SECRET", "")
    if not secret:
        logger.error("widget: a page sent a signed identity but WIDGET_IDENTITY_SECRET is not set")
        return None
    try:
        return verified_phone(str(token), secret)
    except InvalidIdentity as error:
        logger.warning("widget: rejected a signed identity: %s", error)
        return None


def _handoff_state(conversation_id: Text) -> Optional[Dict[str, Any]]:
    """Whether the conversation waits for, or is served by, a person (for the widget after a reload)."""
    try:
        with transaction() as session:
            ticket = open_ticket_for(session, conversation_id)
            if ticket is None:
                return None
            return {"state": "agent_joined" if ticket.status == "assigned" else "queued",
                    "agent": ticket.agent.display_name if ticket.agent is not None else None}
    except SQLAlchemyError as error:
        logger.error("widget: hand-off state unavailable: %s", error)
        return None
