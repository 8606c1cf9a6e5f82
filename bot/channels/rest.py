"""The REST channel: Rasa's `/webhooks/rest/webhook`, plus an outbox that clients poll for messages sent
outside a reply (an agent's answers, hand-off notices), since a REST client cannot be pushed to.

    POST /webhooks/rest/webhook       {"sender": "...", "message": "...", "metadata": {...}} → replies
    GET  /webhooks/rest/outbox?sender=...&after=<last id>  → {"messages": [{"id": …, "text": …}, …]}

With REST_CHANNEL_TOKEN set, both need `Authorization: Bearer <token>` (for a back end integrating the bot);
without it the channel is open, for local use and tests.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
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

from bot import rasa_speedups
from bot.channels import delivery
from bot.channels.identity import VERIFIED_PHONE
from bot.handoff.gate import handle_message
from bot.store.db import transaction
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_SENDER_LENGTH = 255
OUTBOX_PAGE = 100


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


class RestChannel(RestInput):
    """Rasa's REST channel with the hand-off gate in front of the bot and an outbox for pushed messages."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # the ticket's channel decides the delivery: the client must not choose it

    def blueprint(self, on_new_message: Callable[[UserMessage], Any]) -> Blueprint:
        delivery.register(RestDelivery())
        webhook = Blueprint("tp_rest_webhook", __name__)

        @webhook.listener("after_server_start")  # after Rasa's own start-up listener has loaded the model
        async def model_loaded(app: Any, loop: Any) -> None:
            rasa_speedups.freeze_loaded_objects()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.middleware("request")
        async def authenticate(request: Request) -> Optional[HTTPResponse]:
            token = os.environ.get("REST_CHANNEL_TOKEN", "")
            if not token or request.path.rstrip("/").endswith("/rest"):  # the health check stays open
                return None
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                logger.warning("rest: rejected a request without the channel token from %s", request.ip)
                return response.json({"error": "unauthorized"}, status=401)
            return None

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else None
            problem = _invalid(body)
            if problem:
                logger.warning("rest: rejected a request: %s", problem)
                return response.json({"error": problem}, status=400)
            collector = CollectingOutputChannel()
            metadata = {k: v for k, v in (body.get("metadata") or {}).items() if k != VERIFIED_PHONE} or None
            message = UserMessage(str(body["message"]), collector, str(body["sender"]),
                                  input_channel=self.name(), metadata=metadata)
            try:
                await handle_message(request.app.ctx.agent, on_new_message, message)
            except Exception:  # noqa: BLE001 - the client gets an error, the operator the trace
                logger.exception("rest: failed to handle a message from %s", message.sender_id)
                return response.json({"error": "the message could not be handled", "messages": collector.messages},
                                     status=500)
            return response.json(collector.messages)

        @webhook.route("/outbox", methods=["GET"])
        async def outbox(request: Request) -> HTTPResponse:
            sender = request.args.get("sender")
            try:
                after = int(request.args.get("after", "0"))
            except ValueError:
                after = -1
            if not sender or len(sender) > MAX_SENDER_LENGTH or after < 0:
                return response.json({"error": "sender and a non-negative integer 'after' are needed"}, status=400)
            try:
                messages = await asyncio.to_thread(_fetch, sender, after)
            except SQLAlchemyError as error:
                logger.error("rest: outbox unavailable: %s", error)
                return response.json({"error": "temporarily unavailable"}, status=503)
            return response.json({"messages": messages})

        return webhook


def _invalid(body: Optional[Dict[Text, Any]]) -> Optional[Text]:
    if body is None:
        return "the body must be a JSON object"
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_LENGTH:
        return "'sender' must be a non-empty string of at most 255 characters"
    if not isinstance(text, str):
        return "'message' must be a string"
    if body.get("metadata") is not None and not isinstance(body.get("metadata"), dict):
        return "'metadata' must be an object"
    return None

