"""WeChat official account (公众号) over wechatpy: URL verification, plain and safe (AES) mode, the 5-second rule.

    GET  /webhooks/wechat/webhook   URL verification: signature checked, `echostr` echoed
    POST /webhooks/wechat/webhook   messages and events

Configuration (bot.core.settings): WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_AES_KEY (the
EncodingAESKey, for safe mode), WECHAT_API_URL (default https://api.weixin.qq.com/cgi-bin/; tests point it at a
local fake), WECHAT_REPLY_BUDGET (seconds, default 4). Conversations are `wx-<openid>`.

WeChat waits 5 seconds for an answer and then retries, three times. Each message is taken in once (MsgId, or
FromUserName + CreateTime for events, recorded in the database). When the bot answers within the budget the
answer goes back in the HTTP response (passive reply); otherwise the response is `success` and the answer
follows through the customer-service message API.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import WeChatClient, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import (
    InvalidAppIdException,
    InvalidSignatureException,
    WeChatClientException,
)
from wechatpy.replies import TextReply
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.utils import check_signature

from bot.core import delivery
from bot.core.adapter import ChannelAdapter, Outcome
from bot.core.identity import conversation_id, platform_id
from bot.core.pictures import media_of
from bot.core.settings import settings
from bot.media import files as media
from bot.media.storage import MEDIA_FAULTS
from bot.store.db import in_transaction
from bot.store.handoffs import has_open_ticket
from bot.store.updates import forget_old

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.weixin.qq.com/cgi-bin/"
MAX_CLOCK_SKEW = 300  # seconds: older (or future) signed requests are replays
MAX_BODY_BYTES = 64 * 1024  # WeChat's texts are at most 2048 bytes; the XML around them is small
SUCCESS = "success"  # what WeChat expects when there is no passive reply
ASK_TO_TYPE = "抱歉，没有听清您的语音。请用文字描述您的问题，我来帮您处理。"
NOT_TEXT = {"image": "图片", "video": "视频", "shortvideo": "视频", "location": "位置", "link": "链接"}
NOT_TEXT_REPLY = "已收到您发送的{kind}。目前我只能处理文字消息，请用文字描述您的问题{agent}。"
QUOTA_ERRORS = {45015: "客户超过 48 小时未与公众号互动，无法再发送客服消息",
                45047: "客服消息已达到下发条数上限，请等客户再次发言后回复"}
_OPTION = re.compile(r"\s*([1-9])\s*")


def valid_signature(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    try:
        check_signature(token, signature, timestamp, nonce)
        return True
    except InvalidSignatureException:
        return False


def fresh(timestamp: str, now: Optional[float] = None) -> bool:
    """Whether a signed request's timestamp is close to now (a captured request cannot be replayed later)."""
    try:
        return abs((now or time.time()) - int(timestamp)) <= MAX_CLOCK_SKEW
    except (TypeError, ValueError):
        return False


def render_buttons(text: str, buttons: List[Dict[str, Any]]) -> str:
    """WeChat text has no buttons: numbered options the customer answers with the number."""
    options = "\n".join(f"{number}. {button['title']}" for number, button in enumerate(buttons, 1))
    return f"{text}\n\n回复数字选择：\n{options}" if text else f"回复数字选择：\n{options}"


def chosen_option(text: str, events: List[Any]) -> Optional[str]:
    """The payload of option N of the bot's latest message with buttons, when the customer answered "N"."""
    match = _OPTION.fullmatch(text or "")
    if not match:
        return None
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return None  # options are answered right after they were offered
        if isinstance(event, BotUttered) and event.data.get("buttons"):
            buttons = event.data["buttons"]
            number = int(match.group(1))
            return buttons[number - 1]["payload"] if number <= len(buttons) else None
    return None


class _Client(WeChatClient):
    """wechatpy's client, with the access-token URL under the configurable API base as well."""

    def fetch_access_token(self) -> Dict[str, Any]:
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def _session_storage() -> Any:
    """Redis (REDIS_URL) so that several processes share one access token; else this process's memory."""
    url = settings().redis_url
    if not url:
        return MemoryStorage()
    import redis
    from wechatpy.session.redisstorage import RedisStorage

    return RedisStorage(redis.Redis.from_url(url), prefix="wechatpy")


class WeChatOutput(OutputChannel):
    """Collects the bot's answers for a passive reply until `start_pushing`; from then on (and for agents'
    messages) sends each through the customer-service API, in a thread (wechatpy's client is synchronous)."""

    def __init__(self, client: WeChatClient, pushing: bool = False, strict: bool = False) -> None:
        self.client = client
        self.pushing = pushing
        self.strict = strict
        self.pending: List[str] = []

    @classmethod
    def name(cls) -> Text:
        return WeChatChannel.name()

    @staticmethod
    def openid(recipient_id: Text) -> Text:
        return platform_id("wechat", recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._emit(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, render_buttons(text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """An agent's picture: uploaded as temporary media, then sent as a customer-service image message (a
        WeChat user cannot open a link to this server)."""
        picture = media_of(kwargs.get("metadata"))
        if picture is None:
            await self._emit(recipient_id, image)
            return
        data, content_type = await in_transaction(media.picture_bytes, picture["id"])
        openid = self.openid(recipient_id)
        name = "picture." + content_type.split("/")[-1].replace("jpeg", "jpg")
        try:
            uploaded = await asyncio.to_thread(self.client.media.upload, "image", (name, data, content_type))
            await asyncio.to_thread(self.client.message.send_image, openid, uploaded["media_id"])
        except WeChatClientException as error:
            reason = QUOTA_ERRORS.get(error.errcode, f"微信接口错误 {error.errcode}: {error.errmsg}")
            logger.error("wechat: cannot send a picture to %s: %s (%s)", openid, reason, error.errcode)
            if self.strict:
                raise RuntimeError(reason) from error

    async def _emit(self, recipient_id: Text, text: str) -> None:
        if self.pushing:
            await self._push(recipient_id, text)
        else:
            self.pending.append(text)

    async def start_pushing(self, recipient_id: Text) -> None:
        self.pushing = True  # set before the first await: answers produced from now on are pushed directly
        pending, self.pending = self.pending, []
        for text in pending:
            await self._push(recipient_id, text)

    async def _push(self, recipient_id: Text, text: str) -> None:
        openid = self.openid(recipient_id)
        try:
            await asyncio.to_thread(self.client.message.send_text, openid, text)
        except WeChatClientException as error:
            reason = QUOTA_ERRORS.get(error.errcode, f"微信接口错误 {error.errcode}: {error.errmsg}")
            logger.error("wechat: cannot send to %s: %s (%s)", openid, reason, error.errcode)
            if self.strict:
                raise RuntimeError(reason) from error


class WeChatDelivery(delivery.Delivery):
    channel = "wechat"

    def __init__(self, channel: "WeChatChannel") -> None:
        self._channel = channel

    def output_channel(self, recipient_id: Text) -> OutputChannel:
        return WeChatOutput(self._channel.client, pushing=True, strict=True)


class WeChatChannel(ChannelAdapter):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    def __init__(self, token: str, app_id: str, app_secret: str, aes_key: str = "", api_url: str = "",
                 reply_budget: float = 4.0) -> None:
        self.token, self.app_id, self.app_secret = token, app_id, app_secret
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key and token and app_id else None
        self.reply_budget = reply_budget
        self.api_url = api_url or DEFAULT_API_URL
        self.client: Optional[WeChatClient] = None
        self._tasks: Set[asyncio.Task] = set()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatChannel":
        """From the settings; credentials.yml may override them (`token`, `app_id`, … as in __init__)."""
        given = {key: str(value or "").strip() for key, value in (credentials or {}).items()}
        config = settings()
        return cls(given.get("token") or config.wechat_token, given.get("app_id") or config.wechat_app_id,
                   given.get("app_secret") or config.wechat_app_secret, given.get("aes_key") or config.wechat_aes_key,
                   given.get("api_url") or config.wechat_api_url,
                   float(given.get("reply_budget") or config.wechat_reply_budget))

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.app_id and self.app_secret)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat = Blueprint("tp_wechat_webhook", __name__)
        if not self.enabled:
            logger.warning("wechat: disabled (set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET to enable it)")
            return wechat
        delivery.register(WeChatDelivery(self))

        @wechat.listener("after_server_start")
        async def start_client(app: Any, loop: Any) -> None:
            self.client = _Client(self.app_id, self.app_secret, session=_session_storage())
            self.client.API_BASE_URL = self.api_url if self.api_url.endswith("/") else self.api_url + "/"
            logger.info("wechat: enabled (%s mode)", "safe" if self.crypto else "plain")
            await asyncio.to_thread(forget_old)

        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            args = request.args
            if not self._signed(args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", "")):
                return response.text("forbidden", status=403)
            return response.text(args.get("echostr", ""))

        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            args = request.args
            timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
            if len(request.body or b"") > MAX_BODY_BYTES:
                logger.warning("wechat: rejected a request of %d bytes from %s", len(request.body), request.ip)
                return response.text("request too large", status=413)
            xml = self._plain_xml(request.body, args)
            if xml is None:
                logger.warning("wechat: rejected a request with a bad signature or timestamp from %s", request.ip)
                return response.text("forbidden", status=403)
            try:
                message = parse_message(xml)
            except Exception:  # noqa: BLE001 - malformed XML from a correctly signed sender: say so, do nothing
                logger.warning("wechat: a signed request carried no readable message")
                return response.text("bad request", status=400)
            if not getattr(message, "source", None):
                return response.text("bad request: no sender", status=400)
            reply = await self._answer_in_time(message, on_new_message, request.app.ctx.agent)
            if not reply:
                return response.text(SUCCESS)
            rendered = TextReply(message=message, content=reply).render()
            if self.crypto is not None and args.get("encrypt_type") == "aes":
                rendered = self.crypto.encrypt_message(rendered, nonce, timestamp)
            return response.text(rendered, content_type="application/xml")

        return wechat

    def _signed(self, signature: str, timestamp: str, nonce: str) -> bool:
        return fresh(timestamp) and valid_signature(self.token, signature, timestamp, nonce)

    def _plain_xml(self, body: bytes, args: Any) -> Optional[str]:
        """The message XML, decrypted in safe mode; None when the signature or timestamp is not right."""
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not fresh(timestamp):
            return None
        if args.get("encrypt_type") == "aes":
            if self.crypto is None:
                return None
            try:
                return self.crypto.decrypt_message(body, args.get("msg_signature", ""), timestamp, nonce)
            except (InvalidSignatureException, InvalidAppIdException):
                return None
            except Exception as error:  # noqa: BLE001 - truncated, empty or foreign bodies fail in many ways
                logger.warning("wechat: an encrypted request could not be read: %s", type(error).__name__)
                return None
        if not valid_signature(self.token, args.get("signature", ""), timestamp, nonce):
            return None
        return body.decode("utf-8", errors="replace")

    async def _answer_in_time(self, message: Any, on_new_message: Callable, agent: Any) -> Optional[str]:
        """The bot's answer if it is ready within the budget; otherwise None, and the answer is pushed later."""
        output = WeChatOutput(self.client)
        sender = conversation_id("wechat", message.source)
        task = asyncio.create_task(self._process(message, sender, output, on_new_message, agent))
        self._tasks.add(task)  # keep a reference: the task may outlive this request
        task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.wait_for(asyncio.shield(task), self.reply_budget)
        except asyncio.TimeoutError:
            logger.info("wechat: no answer for %s within %.1f s, it will be sent as a customer-service message",
                        sender, self.reply_budget)
            await output.start_pushing(sender)
            return None
        return "\n\n".join(output.pending) or None

    async def _process(self, message: Any, sender: str, output: WeChatOutput, on_new_message: Callable,
                       agent: Any) -> Outcome:
        key = _dedup_key(message)
        if message.type == "image" and getattr(message, "media_id", None):
            return await self._take_picture(message, sender, output, on_new_message, agent, key)
        if message.type == "voice" and not getattr(message, "recognition", None) \
                and getattr(message, "media_id", None) and await asyncio.to_thread(has_open_ticket, sender, False):
            return await self._take_voice(message, sender, output, on_new_message, agent, key)  # for the agent
        try:
            text = await self._text_for_bot(message, sender, output, agent)
        except Exception as error:  # noqa: BLE001 - the customer is never left without an answer
            logger.error("wechat: message from %s not read: %s: %s", sender, type(error).__name__, error)
            text = None
        if isinstance(text, Outcome):
            return text
        if text is None:
            return Outcome.HANDLED
        return await self.take(agent, on_new_message, sender, text, output,
                               metadata={"wechat_msg_type": message.type}, update_key=key)

    async def _take_picture(self, message: Any, sender: str, output: WeChatOutput, on_new_message: Callable,
                            agent: Any, key: str) -> Outcome:
        """A photo: fetched from WeChat's media API (its PicUrl expires), stored, and given to the bot as the
        customer's turn (bot.core.pictures)."""
        try:
            fetched = await asyncio.to_thread(self.client.media.download, message.media_id)
            picture = await in_transaction(media.customer_picture, getattr(fetched, "content", b""), sender, "wechat")
        except media.NotAPicture as error:
            return await self.note(output, sender, str(error), key)
        except (WeChatClientException, *MEDIA_FAULTS) as error:
            logger.error("wechat: a picture from %s could not be fetched or stored: %s", sender, error)
            return await self.note(output, sender, media.NOT_STORED, key)
        return await self.take(agent, on_new_message, sender, "", output, metadata={"wechat_msg_type": "image"},
                               update_key=key, picture=picture)

    async def _take_voice(self, message: Any, sender: str, output: WeChatOutput, on_new_message: Callable,
                          agent: Any, key: str) -> Outcome:
        """An unrecognised voice message during a hand-off: fetched and kept, so the agent can listen to it."""
        try:
            fetched = await asyncio.to_thread(self.client.media.download, message.media_id)
            voice = await in_transaction(media.customer_voice, getattr(fetched, "content", b""), message.format,
                                         sender, "wechat")
        except media.NotAPicture:
            return await self.note(output, sender, ASK_TO_TYPE, key)
        except (WeChatClientException, *MEDIA_FAULTS) as error:
            logger.error("wechat: a voice message from %s could not be fetched or stored: %s", sender, error)
            return await self.note(output, sender, ASK_TO_TYPE, key)
        return await self.take(agent, on_new_message, sender, "", output,
                               metadata={"wechat_msg_type": "voice"}, update_key=key, picture=voice)

    async def _text_for_bot(self, message: Any, sender: str, output: WeChatOutput, agent: Any) -> Any:
        """What to pass to the bot for this message or event; else the outcome of the channel's own answer, or
        None when there is nothing to say."""
        kind, key = message.type, _dedup_key(message)
        if kind == "text":
            if not _OPTION.fullmatch(message.content or ""):
                return message.content
            tracker = await agent.processor.get_tracker(sender)  # only for a bare number: which option was it?
            return chosen_option(message.content, list(tracker.events)) or message.content
        if kind == "voice":
            if getattr(message, "recognition", None):
                return message.recognition
            return await self.note(output, sender, ASK_TO_TYPE, key)
        if kind in NOT_TEXT:
            in_handoff = await asyncio.to_thread(has_open_ticket, sender, False)
            agent_note = "；客服也会看到您发送的内容" if in_handoff else ""
            reply = NOT_TEXT_REPLY.format(kind=NOT_TEXT[kind], agent=agent_note)
            if not in_handoff:
                return await self.note(output, sender, reply, key)
            await output.send_text_message(sender, reply)
            return f"[{NOT_TEXT[kind]}] {_describe(message)}"
        if kind == "event":
            event = getattr(message, "event", "")
            if event == "subscribe":
                return "/greet"
            if event == "click" and getattr(message, "key", None):
                return message.key  # menu keys are configured as payloads: "/check_order_status", an FAQ title
        return None  # unsubscribe and other events: nothing to say


def _dedup_key(message: Any) -> str:
    """MsgId for messages; for events FromUserName + CreateTime, plus the event and its key, so that two
    different events in the same second (unsubscribe, then a menu click) are not mistaken for a retry."""
    if getattr(message, "id", None):
        return str(message.id)
    return f"{message.source}:{message.create_time}:{getattr(message, 'event', '')}:{getattr(message, 'key', '')}"


def _describe(message: Any) -> str:
    """What an agent needs to see of a non-text message."""
    for attribute in ("image", "url", "label", "title", "media_id"):
        value = getattr(message, attribute, None)
        if value:
            return str(value)
    return ""
