"""The one path from a platform's message to the bot, shared by every customer channel.

A platform module (REST, widget, Telegram, WeChat) only parses, authenticates, renders and sends; it hands each
customer message to `ChannelAdapter.take`, which owns what must be the same everywhere:

- de-duplication: a platform update is claimed before it is handled and marked handled only once the bot's
  reply was produced; a failed handling releases it, so the platform's retry gets through;
- metadata hygiene: keys the channels set themselves (`tp_…`, the verified phone) are dropped from what a client
  sends; the channel passes what it vouches for separately;
- size limit: one maximum length for every channel (TP_MAX_MESSAGE_LENGTH); longer text is cut, with a note;
- order: one conversation's messages reach the bot one at a time, in arrival order, with a bounded queue; a
  burst beyond it is asked to slow down once, never dropped silently or answered with a lock error;
- the hand-off gate (installed by `bot.server` at start: the core does not depend on the hand-off);
- the error policy: the customer gets the same polite Chinese apology, the operator one log line with the cause.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage

from bot.core.identity import client_metadata
from bot.core.pictures import MEDIA, MEDIA_TEXT, PICTURE_TEXT, is_picture, record_picture
from bot.core.settings import settings
from bot.store import updates

logger = logging.getLogger(__name__)

APOLOGY = "抱歉，系统暂时出了点问题，您的消息没能处理。请稍后再发一次，或发送“转人工”联系人工客服。"
TOO_LONG = "您的消息较长，我先读取了前 {limit} 字；如有遗漏，请分几条发送。"
SLOW_DOWN = "您发送得太快了，我正在逐条处理，请稍等片刻再发。"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Gate = Callable[[Any, OnNewMessage, UserMessage], Awaitable[None]]


async def _straight_to_bot(agent: Any, on_new_message: OnNewMessage, message: UserMessage) -> None:
    if is_picture(message):
        await record_picture(agent, message)
    else:
        await on_new_message(message)


_gate: Optional[Gate] = None


def install_gate(gate: Optional[Gate]) -> None:
    """What stands between a channel and the bot (the hand-off gate); None removes it (tests)."""
    global _gate
    _gate = gate


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"  # a retry of an update already handled
    IN_PROGRESS = "in_progress"  # a retry of an update being handled right now
    FAILED = "failed"  # the customer got the apology; a platform retry will be handled
    BUSY = "busy"  # the conversation's queue is full; the customer was asked to slow down


class _Turns:
    """Per conversation, one message at a time in arrival order (asyncio.Lock is fair), at most `limit` waiting."""

    def __init__(self) -> None:
        self._locks: Dict[str, asyncio.Lock] = {}
        self._waiting: Dict[str, int] = {}
        self._told: set = set()

    def full(self, conversation: str) -> bool:
        return self._waiting.get(conversation, 0) >= settings().tp_conversation_queue

    def tell_once(self, conversation: str) -> bool:
        """True the first time a burst overflows (the customer is told once per burst)."""
        if conversation in self._told:
            return False
        self._told.add(conversation)
        return True

    async def run(self, conversation: str, work: Callable[[], Awaitable[None]]) -> None:
        self._waiting[conversation] = self._waiting.get(conversation, 0) + 1
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        try:
            async with lock:
                await work()
        finally:
            self._waiting[conversation] -= 1
            if not self._waiting[conversation]:
                del self._waiting[conversation]
                self._locks.pop(conversation, None)
                self._told.discard(conversation)


_turns = _Turns()


class ChannelAdapter(InputChannel):
    """Base of the customer channels: see the module docstring. Subclasses call `take` for each message."""

    async def take(
        self,
        agent: Any,
        on_new_message: OnNewMessage,
        conversation: Text,
        text: Text,
        output: OutputChannel,
        metadata: Optional[Dict[Text, Any]] = None,
        vouched: Optional[Dict[Text, Any]] = None,
        update_key: Optional[Text] = None,
        picture: Optional[Dict[Text, Any]] = None,
    ) -> Outcome:
        """Hand one customer message to the bot. `metadata` is what the client sent (cleaned here), `vouched`
        what the channel itself asserts (e.g. a verified phone), `update_key` the platform's id for retries,
        `picture` the reference of a picture the channel stored (bot.media.files): the message is that picture."""
        channel = self.name()
        if picture is not None:
            text, vouched = MEDIA_TEXT.get(picture.get("type"), PICTURE_TEXT), {**(vouched or {}), MEDIA: picture}
        if update_key is not None:
            claim = await asyncio.to_thread(updates.claim, channel, update_key)
            if claim is not updates.Claim.NEW:
                return Outcome.DUPLICATE if claim is updates.Claim.DONE else Outcome.IN_PROGRESS
        if _turns.full(conversation):
            logger.warning("%s: conversation %s sends faster than the bot answers; asked to slow down",
                           channel, conversation)
            if update_key is not None:
                await asyncio.to_thread(updates.confirm, channel, update_key)
            if _turns.tell_once(conversation):
                await self._send_quietly(output, conversation, SLOW_DOWN)
            return Outcome.BUSY
        limit = settings().tp_max_message_length
        if len(text) > limit:
            logger.info("%s: a message of %d characters from %s cut to %d", channel, len(text), conversation, limit)
            await self._send_quietly(output, conversation, TOO_LONG.format(limit=limit))
            text = text[:limit]
        message = UserMessage(text, output, conversation, input_channel=channel,
                              metadata={**client_metadata(metadata), **(vouched or {})} or None)
        try:
            await _turns.run(conversation, lambda: (_gate or _straight_to_bot)(agent, on_new_message, message))
        except Exception as error:  # noqa: BLE001 - every channel answers an internal error the same way
            logger.error("%s: message from %s not handled: %s: %s", channel, conversation,
                         type(error).__name__, error, exc_info=logger.isEnabledFor(logging.DEBUG))
            if update_key is not None:
                await asyncio.to_thread(updates.release, channel, update_key)
            await self._send_quietly(output, conversation, APOLOGY)
            return Outcome.FAILED
        if update_key is not None:
            await asyncio.to_thread(updates.confirm, channel, update_key)
        return Outcome.HANDLED

    async def note(self, output: OutputChannel, conversation: Text, text: Text,
                   update_key: Optional[Text] = None) -> Outcome:
        """A reply the channel gives itself (e.g. "please type"), sent once per platform update."""
        if update_key is not None:
            claim = await asyncio.to_thread(updates.claim, self.name(), update_key)
            if claim is not updates.Claim.NEW:
                return Outcome.DUPLICATE if claim is updates.Claim.DONE else Outcome.IN_PROGRESS
        await self._send_quietly(output, conversation, text)
        if update_key is not None:
            await asyncio.to_thread(updates.confirm, self.name(), update_key)
        return Outcome.HANDLED

    async def _send_quietly(self, output: OutputChannel, conversation: Text, text: Text) -> None:
        """The channel's own notes (apology, slow down): a fault sending them is logged, never raised."""
        try:
            await output.send_text_message(conversation, text)
        except Exception as error:  # noqa: BLE001
            logger.error("%s: could not send a note to %s: %s", self.name(), conversation, error)
