"""The website chat widget: Rasa's Socket.IO channel, fixed and extended.

- Rasa 3.6's `SocketIOInput` calls `sio.enter_room` without `await`; with python-socketio 5.x the customer never
  joins the room of their session, and with `session_persistence` every reply is silently lost
  (RasaHQ/rasa#13027). Here it is awaited.
- The server mints the conversation (`web-<random>`) and a signed session token (bot.core.identity) that the
  browser keeps (localStorage), so a reload continues the conversation: on `session_request` with a valid token
  the widget gets the conversation so far (`history` event) and whether a person is serving it. A forged,
  foreign or expired token, or a bare id, gets a new conversation: never someone else's history.
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
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from engineio.payload import Payload
from socketio import AsyncRedisManager, AsyncServer
from sqlalchemy.exc import SQLAlchemyError

from bot.core import delivery
from bot.core.adapter import ChannelAdapter
from bot.core.delivery import AGENT_MESSAGE, HANDOFF_NOTICE
from bot.core.pictures import media_of
from bot.core.identity import (
    VERIFIED_PHONE,
    InvalidIdentity,
    issue_session,
    session_conversation,
    verified_phone,
)
from bot.core.settings import settings
from bot.media import files as media
from bot.media.storage import MEDIA_FAULTS
from bot.store.db import in_transaction, transaction
from bot.store.handoffs import open_ticket_for
from bot.store.secrets import server_secret

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("widget_assets")
FILES = {"widget.js": "application/javascript", "widget.css": "text/css",
         "vendor/socket.io.min.js": "application/javascript", "demo": "text/html"}
HISTORY_LIMIT = 100
INVALID_IDENTITY = "您的登录状态已失效，请刷新页面或重新登录后再试。"
SESSION_EXPIRED = "您的会话已失效，请刷新页面后再试"
SESSION_SECRET = "widget_session"  # the name of the generated key in the database (bot.store.secrets)
MAX_SOCKET_PAYLOAD = 1_000_000  # bytes per HTTP request or WebSocket frame (a long-polling batch included)
# A long-polling client sends what it queued in one POST; python-engineio rejects the whole POST when it holds
# more than 16 packets (Payload.max_decode_packets), so a burst of 17 quick messages was lost entirely. The byte
# limit above bounds a batch; the channel adapter's per-conversation queue bounds the work.
MAX_PACKETS_PER_POLL = 500


def history_messages(events: List[Any]) -> List[Dict[str, Any]]:
    """The conversation as the widget shows it: the customer's messages, the bot's and agents' replies and the
    hand-off notices (shown as a line, not a bubble), each with its time (seconds since the epoch)."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        picture = media_of(event.metadata) if isinstance(event, (UserUttered, BotUttered)) else None
        shown = {"image": media.widget_url(picture["id"]),
                 "thumb": media.widget_url(picture["id"], thumbnail=True)} if picture else {}
        if isinstance(event, UserUttered) and event.text:
            messages.append({"from": "customer", "text": "" if picture else event.text, "time": event.timestamp,
                             **shown})
        elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons") or picture):
            metadata = event.metadata or {}
            agent = metadata.get(AGENT_MESSAGE)
            kind = "agent" if agent else "notice" if metadata.get(HANDOFF_NOTICE) else "bot"
            messages.append({"from": kind, "agent": agent, "text": event.text or "", "time": event.timestamp,
                             **shown})
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
    """Rasa's Socket.IO output, naming the agent on agents' messages, marking hand-off notices and stamping
    every message with the server's time (the widget shows it)."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        metadata = kwargs.get("metadata") or {}
        marks: Dict[str, Any] = {}
        if metadata.get(AGENT_MESSAGE):
            marks["agent"] = metadata[AGENT_MESSAGE]
        elif metadata.get(HANDOFF_NOTICE):
            marks["notice"] = True
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **marks})

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        agent = (kwargs.get("metadata") or {}).get(AGENT_MESSAGE)
        picture = media_of(kwargs.get("metadata"))
        thumb = media.widget_url(picture["id"], thumbnail=True) if picture else image
        await self._send_message(recipient_id, {"attachment": {"type": "image", "payload": {"src": image, "thumb": thumb}},
                                                **({"agent": agent} if agent else {})})

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await super()._send_message(socket_id, {**response, "time": time.time()})


class WidgetDelivery(delivery.Delivery):
    channel = "socketio"

    def __init__(self, sio: AsyncServer, event: str) -> None:
        self._sio, self._event = sio, event

    def output_channel(self, recipient_id: Text) -> OutputChannel:
        return WidgetOutput(self._sio, self._event)

    async def handoff_changed(self, recipient_id: Text, state: Text, agent_name: Optional[Text] = None) -> None:
        await self._sio.emit("handoff", {"state": state, "agent": agent_name}, room=recipient_id)

    async def agent_typing(self, recipient_id: Text, agent_name: Text) -> None:
        await self._sio.emit("agent_typing", {"agent": agent_name}, room=recipient_id)


class WidgetChannel(ChannelAdapter, SocketIOInput):
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
        Payload.max_decode_packets = MAX_PACKETS_PER_POLL
        origins = settings().widget_origins
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins="*" if origins == ["*"] else origins,
                          client_manager=_client_manager(), max_http_buffer_size=MAX_SOCKET_PAYLOAD)
        widget = _WidgetBlueprint(sio, self.socketio_path, "tp_widget", __name__)
        self.sio = sio
        self._uploads = _UploadLimit()
        delivery.register(WidgetDelivery(sio, self.bot_message_evt))

        @widget.route("/upload", methods=["POST", "OPTIONS"])
        async def upload(request: Request) -> HTTPResponse:
            """A picture from the widget (multipart: `file`, `session_token`): stored, then the customer's turn."""
            cors = _cors_headers(request)
            if cors is None:
                return response.json({"error": "此网站未被允许使用在线客服"}, status=403)
            if request.method == "OPTIONS":
                return response.empty(headers=cors)
            if not self._uploads.allow(request.remote_addr or request.ip or ""):
                logger.warning("widget: too many pictures from %s in an hour; refused", request.remote_addr or request.ip)
                return response.json({"error": media.TOO_MANY}, status=429, headers=cors)
            token = request.form.get("session_token") if request.form else None
            conversation = session_conversation(token, self._key, settings().widget_session_days * 86400)
            if conversation is None:
                return response.json({"error": SESSION_EXPIRED}, status=403, headers=cors)
            file = request.files.get("file") if request.files else None
            if file is None:
                return response.json({"error": "请选择一张图片"}, status=400, headers=cors)
            try:
                picture = await in_transaction(media.customer_picture, file.body, conversation, "socketio")
            except media.NotAPicture as error:
                return response.json({"error": str(error)}, status=400, headers=cors)
            except MEDIA_FAULTS as error:
                logger.error("widget: a picture from %s could not be stored: %s", conversation, error)
                return response.json({"error": media.NOT_STORED}, status=503, headers=cors)
            await self.take(self._agent, on_new_message, conversation, "", WidgetOutput(sio, self.bot_message_evt),
                            picture=picture)
            state = await asyncio.to_thread(_handoff_state, conversation)
            if state is not None:
                await sio.emit("handoff", state, room=conversation)
            return response.json({"id": picture["id"], "url": media.widget_url(picture["id"]),
                                  "thumb": media.widget_url(picture["id"], thumbnail=True)}, headers=cors)

        @widget.route("/<name:path>", methods=["GET"])
        async def assets(request: Request, name: str) -> HTTPResponse:
            if name.startswith("media/"):
                return await _picture(name[len("media/"):])
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
            token = (data or {}).get("session_token") if isinstance(data, dict) else None
            conversation = session_conversation(token, self._key, settings().widget_session_days * 86400)
            if token and conversation is None:
                logger.info("widget: a session token was forged, foreign or expired; starting a new conversation")
            conversation, token = issue_session(self._key, conversation)  # renewed: the expiry slides
            await sio.enter_room(sid, conversation)  # awaited: the fix for RasaHQ/rasa#13027
            await sio.emit("session_confirm", {"session_id": conversation, "session_token": token}, room=sid)
            await self._send_history(sio, sid, conversation)

        @sio.on(self.user_message_evt)
        async def user_message(sid: Text, data: Dict) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str) \
                    or not isinstance(data.get("session_id"), str) or data["session_id"] not in sio.rooms(sid):
                # Only the conversation this connection was given (session_request): no writing into others'.
                logger.warning("widget: ignored a message without text or for a session not joined, from %s", sid)
                return
            conversation = data["session_id"]
            output = WidgetOutput(sio, self.bot_message_evt)
            vouched = {}
            if data.get("identity"):
                phone = _checked_identity(data["identity"], conversation)
                if phone is None:
                    await output.send_text_message(conversation, INVALID_IDENTITY)
                    return
                vouched[VERIFIED_PHONE] = phone
            await self.take(self._agent, on_new_message, conversation, data["message"], output,
                            metadata=data.get("metadata"), vouched=vouched)
            state = await asyncio.to_thread(_handoff_state, conversation)
            if state is not None:  # e.g. this message asked for a person: show it in the widget's status line
                await sio.emit("handoff", state, room=conversation)

        @widget.listener("after_server_start")
        async def remember_agent(app: Any, loop: Any) -> None:
            self._agent = app.ctx.agent
            self._key = settings().widget_session_secret or await asyncio.to_thread(server_secret, SESSION_SECRET)

        return widget

    async def _send_history(self, sio: AsyncServer, sid: Text, session_id: Text) -> None:
        tracker = await self._agent.processor.get_tracker(session_id)
        await sio.emit("history", {"messages": history_messages(list(tracker.events)),
                                   "handoff": await asyncio.to_thread(_handoff_state, session_id)}, room=sid)


class _UploadLimit:
    """Uploads per client address in the last hour (this server's memory: with replicas, per replica), so that a
    client minting conversation after conversation cannot fill the storage 30 pictures at a time."""

    def __init__(self) -> None:
        self._times: Dict[str, List[float]] = {}

    def allow(self, address: str) -> bool:
        now = time.monotonic()
        recent = [moment for moment in self._times.get(address, []) if now - moment < 3600]
        if len(recent) >= settings().media_per_address_per_hour:
            self._times[address] = recent
            return False
        self._times[address] = recent + [now]
        if len(self._times) > 50_000:  # forget idle addresses
            self._times = {key: value for key, value in self._times.items() if value and now - value[-1] < 3600}
        return True


PICTURE_HEADERS = {**media.SERVED_HEADERS, "Cross-Origin-Resource-Policy": "cross-origin"}  # shown on other sites


async def _picture(path: Text) -> HTTPResponse:
    """/widget/media/<id>[/thumb]: a picture of a conversation, for the customer's side (its random id is the
    capability, as with the platforms' own picture URLs)."""
    media_id, _, rest = path.partition("/")
    if rest not in ("", "thumb"):
        return response.text("not found", status=404)
    try:
        data, content_type = await in_transaction(media.picture_bytes, media_id, rest == "thumb")
    except LookupError:
        return response.text("not found", status=404)
    except MEDIA_FAULTS as error:
        logger.error("widget: picture %s unavailable: %s", media_id, error)
        return response.text("unavailable", status=503)
    return response.raw(data, content_type=content_type, headers=PICTURE_HEADERS)


def _cors_headers(request: Request) -> Optional[Dict[str, str]]:
    """The CORS answer for a call from the embedding site (WIDGET_ALLOWED_ORIGINS); None for a site not allowed.
    No credentials: the session token in the form is what proves the conversation."""
    origins = settings().widget_origins
    origin = request.headers.get("origin")
    headers = {"Access-Control-Allow-Methods": "POST", "Access-Control-Max-Age": "600"}
    if origins == ["*"]:
        return {**headers, "Access-Control-Allow-Origin": "*"}
    if origin is None:
        return headers  # not a browser's cross-site call (same origin, or a script)
    if origin not in origins:
        return None
    return {**headers, "Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _client_manager() -> Optional[AsyncRedisManager]:
    """Redis pub/sub between replicas when REDIS_URL is set; None keeps python-socketio's in-process manager."""
    url = settings().redis_url.strip()
    if not url:
        return None
    logger.info("widget: Socket.IO messages are shared between replicas through Redis (REDIS_URL)")
    return AsyncRedisManager(url)


def _checked_identity(token: Any, conversation: Text) -> Optional[Text]:
    """The phone a signed identity vouches for (WIDGET_IDENTITY_SECRET), or None: the message is rejected."""
    secret = settings().widget_identity_secret
    if not secret:
        logger.error("widget: a page sent a signed identity but WIDGET_IDENTITY_SECRET is not set")
        return None
    try:
        return verified_phone(str(token), secret, conversation=conversation)
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
