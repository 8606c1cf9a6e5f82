"""Acting on a live conversation from the server process: what agents say, and the bot's hand-off notices.

Every message is written to the conversation's tracker before it is delivered, so it is in the history even
when the customer's channel cannot be reached.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Optional, Text

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from rasa.shared.core.events import BotUttered

from bot.core.delivery import AGENT_MESSAGE, HANDOFF_NOTICE, output_channel_for
from bot.core.pictures import MEDIA

__all__ = ["AGENT_MESSAGE", "DeliveryFailed", "post_message", "say", "resume_if_orphaned", "run_action"]
from bot.store.handoffs import has_open_ticket

logger = logging.getLogger(__name__)



class DeliveryFailed(RuntimeError):
    """The message is in the history, but the customer's channel did not take it."""


def _output(channel: Text, conversation_id: Text) -> OutputChannel:
    return output_channel_for(channel, conversation_id) or CollectingOutputChannel()


async def post_message(
    agent: Agent, channel: Text, conversation_id: Text, text: Text, metadata: Optional[Dict[Text, Any]] = None
) -> None:
    """Record `text` as said to the customer (an agent's reply when metadata names the agent), then deliver it."""
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        tracker.update(BotUttered(text, metadata=metadata or {}))
        await agent.processor.save_tracker(tracker)
    output = output_channel_for(channel, conversation_id)
    if output is None:
        raise DeliveryFailed(f"channel {channel!r} is not running in this server")
    try:
        await output.send_text_message(conversation_id, text, metadata=metadata or {})
    except Exception as error:  # noqa: BLE001 - any channel fault: the agent is told, the message is kept
        logger.error("conversation %s: delivery on %s failed: %s", conversation_id, channel, error)
        raise DeliveryFailed(str(error)) from error


async def post_picture(agent: Agent, channel: Text, conversation_id: Text, picture: Dict[Text, Any], url: Text,
                       metadata: Dict[Text, Any]) -> None:
    """Record an agent's picture as said to the customer (`picture`: bot.media.files.reference, `url`: where the
    customer's side fetches it), then deliver it; DeliveryFailed as for a text."""
    metadata = {**metadata, MEDIA: picture}
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        tracker.update(BotUttered(None, data={"image": url}, metadata=metadata))
        await agent.processor.save_tracker(tracker)
    output = output_channel_for(channel, conversation_id)
    if output is None:
        raise DeliveryFailed(f"channel {channel!r} is not running in this server")
    try:
        await output.send_image_url(conversation_id, url, metadata=metadata)
    except Exception as error:  # noqa: BLE001 - any channel fault: the agent is told, the picture is kept
        logger.error("conversation %s: picture delivery on %s failed: %s", conversation_id, channel, error)
        raise DeliveryFailed(str(error)) from error


async def say(agent: Agent, channel: Text, conversation_id: Text, response: Text, **values: Any) -> None:
    """A hand-off notice from the domain's responses (utter_handoff_agent_joined, …), recorded and delivered."""
    generated = await agent.nlg.generate(response, await agent.processor.get_tracker(conversation_id), channel,
                                         **values)
    if generated and generated.get("text"):
        await post_message(agent, channel, conversation_id, generated["text"], {HANDOFF_NOTICE: response})


async def resume_if_orphaned(agent: Agent, conversation_id: Text, output: OutputChannel) -> None:
    """Give the conversation back to the bot if it is paused but has no open ticket any more.

    The console resumes the bot right after closing a ticket; this covers a server stopped in between, or a
    ticket closed by other means. Checked under the conversation's lock, so it cannot race a close or cancel.
    """
    collector = CollectingOutputChannel()
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        # never resume the bot on a guess: a database fault counts as "still open"
        if not tracker.is_paused() or await asyncio.to_thread(has_open_ticket, conversation_id, True):
            return
        logger.warning("conversation %s: paused without an open hand-off ticket, resuming the bot", conversation_id)
        await agent.execute_action(conversation_id, "action_handoff_resume", collector, None, None)
    await _deliver(collector, output, conversation_id)


async def _deliver(collector: CollectingOutputChannel, target: OutputChannel, conversation_id: Text) -> None:
    for message in collector.messages:
        message = {key: value for key, value in message.items() if key != "recipient_id" and value}
        try:
            await target.send_response(conversation_id, message)
        except Exception as error:  # noqa: BLE001 - kept in the history; the operator sees the log
            logger.error("conversation %s: delivery on %s failed: %s", conversation_id, target.name(), error)


async def run_action(agent: Agent, channel: Text, conversation_id: Text, action: Text,
                     output: Optional[OutputChannel] = None) -> None:
    """Run one of the bot's actions on the conversation (e.g. `action_handoff_resume`).

    Its messages are collected while the tracker is saved, then delivered: a channel fault cannot leave the
    conversation half-changed (a closed ticket with the bot still paused).
    """
    collector = CollectingOutputChannel()
    async with agent.lock_store.lock(conversation_id):
        await agent.execute_action(conversation_id, action, collector, None, None)
    await _deliver(collector, output or _output(channel, conversation_id), conversation_id)
