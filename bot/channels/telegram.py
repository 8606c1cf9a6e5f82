"""Telegram: a webhook channel (no polling loop inside Rasa) built on python-telegram-bot's `Bot`.

    POST /webhooks/telegram/webhook   Telegram's updates; X-Telegram-Bot-Api-Secret-Token must match

Configuration (bot.core.settings): TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN, and TELEGRAM_API_URL (default
https://api.telegram.org; tests point it at a local fake Bot API server). Conversations are `tg-<chat id>`.
`python -m bot.channels.telegram set-webhook|poll` registers the webhook, or feeds the webhook from
getUpdates for local development without a public URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.core import delivery
from bot.core.adapter import ChannelAdapter, Outcome
from bot.core.identity import conversation_id, platform_id
from bot.core.pictures import media_of
from bot.core.settings import settings
from bot.media import files as media
from bot.media.storage import MEDIA_FAULTS
from bot.store.db import in_transaction
from bot.store.updates import forget_old

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE = 4096  # characters per Telegram message
MAX_CALLBACK_DATA = 64  # bytes
MAX_BODY_BYTES = 256 * 1024  # an update with a 4096-character message is far smaller
NOT_TEXT = "抱歉，我目前只能处理文字消息。请用文字描述您的问题，我来帮您处理。"
EDITED = "已收到您修改后的消息。为避免误会，如需更正，请直接发送一条新消息。"


def split_message(text: str, limit: int = MAX_MESSAGE) -> List[str]:
    """Telegram's limit is 4096 characters: cut longer texts at line ends where possible."""
    parts: List[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text] if text else parts


class _Payloads:
    """Button payloads longer than Telegram's 64-byte callback_data are sent as a short key kept here; after a
    restart an unknown key falls back to the button's title (which is the payload of knowledge-base buttons)."""

    def __init__(self, size: int = 10000) -> None:
        self._by_key: "OrderedDict[str, str]" = OrderedDict()
        self._size = size

    def callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_DATA:
            return payload
        key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._by_key[key] = payload
        self._by_key.move_to_end(key)
        while len(self._by_key) > self._size:
            self._by_key.popitem(last=False)
        return key

    def payload(self, data: str, title: Optional[str]) -> Optional[str]:
        if not data.startswith("#"):
            return data
        return self._by_key.get(data) or title


class TelegramOutput(OutputChannel):
    """Sends to a chat. Replies during Rasa's turn never raise (a failed send must not lose the turn, which Rasa
    saves only after sending); for an agent's message (`strict`) the fault is raised so the agent is told."""

    def __init__(self, bot: Bot, payloads: _Payloads, strict: bool = False) -> None:
        self.bot = bot
        self.payloads = payloads
        self.strict = strict

    async def _send(self, chat_id: Text, text: str, **kwargs: Any) -> None:
        try:
            await self.bot.send_message(chat_id, text, **kwargs)
        except TelegramError as error:
            logger.error("telegram: sending to chat %s failed: %s", chat_id, error)
            if self.strict:
                raise

    @classmethod
    def name(cls) -> Text:
        return TelegramChannel.name()

    @staticmethod
    def chat_id(recipient_id: Text) -> Text:
        return platform_id("telegram", recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text):
            await self._send(self.chat_id(recipient_id), part)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """A picture of ours is uploaded (this server need not be reachable from Telegram); another URL is passed."""
        picture = media_of(kwargs.get("metadata"))
        try:
            if picture is not None:
                data, _ = await in_transaction(media.picture_bytes, picture["id"])
                await self.bot.send_photo(self.chat_id(recipient_id), photo=data)
            else:
                await self.bot.send_photo(self.chat_id(recipient_id), photo=image)
        except TelegramError as error:
            logger.error("telegram: sending a picture to chat %s failed: %s", self.chat_id(recipient_id), error)
            if self.strict:
                raise

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        *first, last = split_message(text) or [""]
        for part in first:
            await self._send(self.chat_id(recipient_id), part)
        keyboard = InlineKeyboardMarkup([
            [InlineKeyboardButton(button["title"], callback_data=self.payloads.callback_data(button["payload"]))]
            for button in buttons
        ])
        await self._send(self.chat_id(recipient_id), last or "请选择：", reply_markup=keyboard)


class TelegramDelivery(delivery.Delivery):
    channel = "telegram"

    def __init__(self, channel: "TelegramChannel") -> None:
        self._channel = channel

    def output_channel(self, recipient_id: Text) -> OutputChannel:
        return self._channel.output(strict=True)

    async def agent_typing(self, recipient_id: Text, agent_name: Text) -> None:
        """Telegram's own "typing…" in the chat's header (it lasts about 5 s or until the next message)."""
        output = self._channel.output(strict=True)
        await output.bot.send_chat_action(TelegramOutput.chat_id(recipient_id), "typing")


class TelegramChannel(ChannelAdapter):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, token: str, secret_token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.token = token
        self.secret_token = secret_token
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.bot: Optional[Bot] = None
        self.payloads = _Payloads()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramChannel":
        """From the settings; credentials.yml may override them (`token`, `secret_token`, `api_url`)."""
        credentials, config = credentials or {}, settings()
        return cls(str(credentials.get("token") or config.telegram_token).strip(),
                   str(credentials.get("secret_token") or config.telegram_secret_token).strip(),
                   str(credentials.get("api_url") or config.telegram_api_url).strip())

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.secret_token)

    def output(self, strict: bool = False) -> TelegramOutput:
        if self.bot is None:
            raise RuntimeError("the Telegram bot is not started yet")
        return TelegramOutput(self.bot, self.payloads, strict)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram = Blueprint("tp_telegram_webhook", __name__)
        if not self.enabled:
            logger.warning("telegram: disabled (set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN to enable it)")
            return telegram
        delivery.register(TelegramDelivery(self))

        @telegram.listener("after_server_start")
        async def start_bot(app: Any, loop: Any) -> None:
            # The Bot's HTTP client belongs to the running event loop: create it here, not at import.
            self.bot = Bot(self.token, base_url=f"{self.api_url}/bot", base_file_url=f"{self.api_url}/file/bot")
            try:
                await self.bot.initialize()
                logger.info("telegram: enabled as @%s", self.bot.username)
            except TelegramError as error:
                logger.error("telegram: the Bot API is not reachable (%s); replies fail until it is", error)
            await asyncio.to_thread(forget_old)

        @telegram.listener("before_server_stop")
        async def stop_bot(app: Any, loop: Any) -> None:
            if self.bot is not None:
                await self.bot.shutdown()

        @telegram.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self.secret_token.encode()):
                logger.warning("telegram: rejected a request without the right secret token from %s", request.ip)
                return response.json({"error": "forbidden"}, status=403)
            if self.bot is None:
                return response.json({"error": "starting up, retry"}, status=503)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "update too large"}, status=413)
            update, problem = _parse_update(request.body, self.bot)
            if update is None:
                logger.warning("telegram: rejected a malformed update: %s", problem)
                return response.json({"error": problem}, status=400)
            outcome = await self._handle(update, on_new_message, request.app.ctx.agent)
            if outcome is Outcome.IN_PROGRESS:  # Telegram retries later, when the first delivery is done
                return response.json({"error": "this update is being handled"}, status=503)
            if outcome is Outcome.FAILED:  # the customer got an apology; Telegram's retry will be handled
                return response.json({"error": "the update could not be handled"}, status=503)
            return response.json({"ok": True})

        return telegram

    async def _handle(self, update: Update, on_new_message: Callable, agent: Any) -> Outcome:
        output, key = self.output(), str(update.update_id)
        if update.callback_query is not None:
            query = update.callback_query
            await self._answer_callback(query.id)
            if query.message is None or not query.data:
                return Outcome.HANDLED
            title = _button_title(query.message, query.data)
            text = self.payloads.payload(query.data, title)
            return await self._to_bot(on_new_message, agent, output, query.message.chat.id, text, query.from_user,
                                      key)
        if update.edited_message is not None:
            return await self.note(output, conversation_id("telegram", update.edited_message.chat.id), EDITED, key)
        message = update.message
        if message is None:
            return Outcome.HANDLED  # channel posts, polls, …: nothing for customer service
        if message.photo:
            return await self._take_picture(message, on_new_message, agent, output, key)
        if not message.text:
            return await self.note(output, conversation_id("telegram", message.chat.id), NOT_TEXT, key)
        text = "/greet" if message.text.split("@")[0] == "/start" else message.text
        return await self._to_bot(on_new_message, agent, output, message.chat.id, text, message.from_user, key)

    async def _take_picture(self, message: Any, on_new_message: Callable, agent: Any, output: OutputChannel,
                            key: str) -> Outcome:
        """A photo: its largest size fetched from Telegram, stored, and given to the bot as the customer's turn
        (a caption, if any, follows as a text message)."""
        sender = conversation_id("telegram", message.chat.id)
        largest = max(message.photo, key=lambda size: (size.width or 0) * (size.height or 0))
        if (largest.file_size or 0) > settings().media_max_bytes:
            return await self.note(output, sender, media.images.too_large(largest.file_size,
                                                                         settings().media_max_bytes), key)
        try:
            file = await self.bot.get_file(largest.file_id)
            data = bytes(await file.download_as_bytearray())
            picture = await in_transaction(media.customer_picture, data, sender, "telegram")
        except media.NotAPicture as error:
            return await self.note(output, sender, str(error), key)
        except (TelegramError, *MEDIA_FAULTS) as error:
            logger.error("telegram: a photo from %s could not be fetched or stored: %s", sender, error)
            return await self.note(output, sender, media.NOT_STORED, key)
        metadata = {"customer_name": message.from_user.full_name} if message.from_user is not None else None
        outcome = await self.take(agent, on_new_message, sender, "", output, metadata=metadata, update_key=key,
                                  picture=picture)
        if outcome is Outcome.HANDLED and message.caption:
            await self.take(agent, on_new_message, sender, message.caption, output, metadata=metadata)
        return outcome

    async def _to_bot(self, on_new_message: Callable, agent: Any, output: OutputChannel, chat_id: int, text: str,
                      user: Any, key: str) -> Outcome:
        metadata = {"customer_name": user.full_name} if user is not None else None
        return await self.take(agent, on_new_message, conversation_id("telegram", chat_id), text, output,
                               metadata=metadata, update_key=key)

    async def _answer_callback(self, query_id: str) -> None:
        try:
            await self.bot.answer_callback_query(query_id)  # stops the button's loading spinner
        except TelegramError as error:
            logger.warning("telegram: cannot answer callback query %s: %s", query_id, error)


def _parse_update(body: bytes, bot: Bot) -> "tuple[Optional[Update], str]":
    """The update, or None and why it is not one (bad JSON, no update_id, a message without a chat, …)."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return None, "the body is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) or isinstance(data["update_id"], bool):
        return None, "not a Telegram update (an integer update_id is needed)"
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # noqa: BLE001 - python-telegram-bot raises many kinds on bad shapes
        return None, f"not a Telegram update ({type(error).__name__})"
    for message in (update.message, update.edited_message,
                    update.callback_query.message if update.callback_query else None):
        if message is not None and getattr(message, "chat", None) is None:
            return None, "a message without a chat"
    if update.callback_query is not None and update.callback_query.from_user is None:
        return None, "a button press without a user"
    return update, ""


def _button_title(message: Any, data: str) -> Optional[str]:
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or []:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


# --- command line: register the webhook, or poll for local development -----------------------------------


async def _set_webhook(bot: Bot, url: str, secret: str) -> None:
    await bot.set_webhook(url, secret_token=secret, allowed_updates=["message", "edited_message", "callback_query"])
    print(f"telegram: webhook set to {url}")


async def _poll(bot: Bot, webhook: str, secret: str) -> None:
    """getUpdates in a loop, each update posted to the local webhook exactly as Telegram would post it."""
    import httpx

    await bot.delete_webhook()  # Telegram refuses getUpdates while a webhook is set
    offset = None
    print(f"telegram: polling, forwarding updates to {webhook} (Ctrl-C to stop)")
    async with httpx.AsyncClient(timeout=60) as client:
        while True:
            updates = await bot.get_updates(offset=offset, timeout=25)
            for update in updates:
                reply = await client.post(webhook, json=update.to_dict(), headers={SECRET_HEADER: secret})
                if reply.status_code != 200:
                    print(f"telegram: the webhook answered {reply.status_code} to update {update.update_id}")
                offset = update.update_id + 1


def main(argv: Optional[List[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram",
                                     description="Register the Telegram webhook, or poll for local development.")
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("set-webhook", help="tell Telegram where to post updates")
    register.add_argument("url", help="public HTTPS URL of /webhooks/telegram/webhook")
    poll = commands.add_parser("poll", help="fetch updates with getUpdates and post them to the local webhook")
    poll.add_argument("--webhook", default=f"http://127.0.0.1:{settings().rasa_port}/webhooks/telegram/webhook")
    args = parser.parse_args(argv)
    channel = TelegramChannel.from_credentials(None)
    if not channel.enabled:
        print("telegram: set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN first")
        return 2

    async def run() -> None:
        async with Bot(channel.token, base_url=f"{channel.api_url}/bot") as bot:
            if args.command == "set-webhook":
                await _set_webhook(bot, args.url, channel.secret_token)
            else:
                await _poll(bot, args.webhook, channel.secret_token)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        return 0
    except TelegramError as error:
        print(f"telegram: {type(error).__name__}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
