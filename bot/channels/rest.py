"""The REST channel: Rasa's `/webhooks/rest/webhook`, plus an outbox that clients poll for messages sent
outside a reply (an agent's answers, hand-off notices), since a REST client cannot be pushed to.

    POST /webhooks/rest/webhook       {"sender": "...", "message": "...", "metadata": {...}} → replies
    GET  /webhooks/rest/outbox?sender=...&after=<last id>  → {"messages": [{"id": …, "text": …}, …]}

Both need `Authorization: Bearer <REST_CHANNEL_TOKEN>` (a back end integrating the bot). Only in development mode
(TP_DEV_MODE=1, which `make run` sets when no token is configured) do clients on this machine (loopback) go
without it. A sender names the back end's own conversation; another channel's ids (`tg-`, `wx-`, `web-`) are
refused.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
from typing import Any, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.core import delivery
from bot.core.adapter import ChannelAdapter
from bot.core.identity import valid_rest_sender
from bot.core.settings import settings
from bot.store.db import transaction
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)

OUTBOX_PAGE = 100
MAX_OUTBOX_ID = 2**63 - 1
MAX_BODY_BYTES = 64 * 1024  # a message is at most TP_MAX_MESSAGE_LENGTH characters; metadata is small


def _store(recipient_id: Text, message: Dict[Text, Any]) -> None:
    with transaction() as session:
        session.add(OutboxMessage(channel=RestChannel.name(), recipient_id=recipient_id,
                                  payload=json.dumps(message, ensure_ascii=False)))


def _fetch(recipient_id: Text, after: int) -> List[Dict[Text, Any]]:
    with transaction() as session:
        rows = session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_id == recipient_id, OutboxMessage.id > after)
            .order_by(OutboxMessage.id)
            .limit(OUTBOX_PAGE)
        ).scalars()
        return [{"id": row.id, **json.loads(row.payload)} for row in rows]


class OutboxOutput(OutputChannel):
    """Stores each message in the REST channel's response format, for the client's next poll."""

    @classmethod
    def name(cls) -> Text:
        return RestChannel.name()

    async def _persist(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await asyncio.to_thread(_store, recipient_id, {"recipient_id": recipient_id, **message})

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._persist(recipient_id, {"text": part})

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._persist(recipient_id, {"image": image})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._persist(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._persist(recipient_id, {"custom": json_message})


class RestDelivery(delivery.Delivery):
    channel = "rest"

    def output_channel(self, recipient_id: Text) -> OutputChannel:
        return OutboxOutput()


class RestChannel(ChannelAdapter, RestInput):
    """Rasa's REST webhook through the channel adapter, with an outbox for pushed messages."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # the ticket's channel decides the delivery: the client must not choose it

    def blueprint(self, on_new_message: Callable[[UserMessage], Any]) -> Blueprint:
        delivery.register(RestDelivery())
        webhook = Blueprint("tp_rest_webhook", __name__)
        if not settings().rest_channel_token:
            if settings().tp_dev_mode:
                logger.warning("rest: development mode: open to clients on this machine without a token")
            else:
                logger.warning("rest: closed (set REST_CHANNEL_TOKEN, or TP_DEV_MODE=1 for local development)")

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.middleware("request")
        async def authenticate(request: Request) -> Optional[HTTPResponse]:
            if request.path.rstrip("/").endswith("/rest"):  # the health check stays open
                return None
            if _authorized(request):
                return None
            logger.warning("rest: rejected a request without the channel token from %s", request.ip)
            return response.json({"error": "unauthorized"}, status=401)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": f"the body is larger than {MAX_BODY_BYTES} bytes"}, status=413)
            body = _json_object(request)
            problem = _invalid(body)
            if problem:
                logger.warning("rest: rejected a request: %s", problem)
                return response.json({"error": problem}, status=400)
            collector = CollectingOutputChannel()
            await self.take(request.app.ctx.agent, on_new_message, body["sender"], body["message"], collector,
                            metadata=body.get("metadata"))
            return response.json(collector.messages)

        @webhook.route("/outbox", methods=["GET"])
        async def outbox(request: Request) -> HTTPResponse:
            sender, after = request.args.get("sender"), _outbox_position(request.args.get("after", "0"))
            if not valid_rest_sender(sender) or after is None:
                return response.json({"error": "a REST sender and an integer 'after' between 0 and 2^63-1 are "
                                               "needed"}, status=400)
            try:
                messages = await asyncio.to_thread(_fetch, sender, after)
            except SQLAlchemyError as error:
                logger.error("rest: outbox unavailable: %s", error)
                return response.json({"error": "temporarily unavailable"}, status=503)
            return response.json({"messages": messages})

        return webhook


def _authorized(request: Request) -> bool:
    token = settings().rest_channel_token
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return settings().tp_dev_mode and _loopback(request.remote_addr or request.ip)  # behind a proxy: the client


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _json_object(request: Request) -> Optional[Dict[Text, Any]]:
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _outbox_position(text: Optional[str]) -> Optional[int]:
    try:
        after = int(text or "0")
    except ValueError:
        return None
    return after if 0 <= after <= MAX_OUTBOX_ID else None


def _invalid(body: Optional[Dict[Text, Any]]) -> Optional[Text]:
    if body is None:
        return "the body must be a JSON object"
    sender, text = body.get("sender"), body.get("message")
    if not valid_rest_sender(sender):
        return ("'sender' must be 1-128 letters, digits or _.:@- and not another channel's conversation id "
                "(tg-, wx-, web-)")
    if not isinstance(text, str) or not text.strip():
        return "'message' must be a non-empty string"
    if body.get("metadata") is not None and not isinstance(body.get("metadata"), dict):
        return "'metadata' must be an object"
    return None
