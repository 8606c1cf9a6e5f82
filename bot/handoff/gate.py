"""In front of the bot on every channel: while a conversation has an open hand-off ticket, Rasa only records
the customer's messages (the tracker is paused); the gate answers the two things a waiting customer may need:
cancelling ("不用了") and knowing that their first message was received.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import UserUttered
from sqlalchemy.exc import SQLAlchemyError

from bot.handoff.live import resume_if_orphaned, run_action
from bot.store.handoffs import TicketState, latest_ticket_state

logger = logging.getLogger(__name__)

CANCEL_INTENT = "deny"


def _latest_ticket(conversation_id: Text) -> Optional[TicketState]:
    try:
        return latest_ticket_state(conversation_id)
    except SQLAlchemyError as error:
        logger.error("conversation %s: hand-off state unavailable, the bot handles the message: %s",
                     conversation_id, error)
        return None


async def handle_message(
    agent: Agent, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> None:
    """Pass the message to Rasa; during a hand-off, follow up on a cancel or a first waiting message."""
    latest = await asyncio.to_thread(_latest_ticket, message.sender_id)
    ticket = latest if latest is not None and latest.is_open else None
    if latest is not None and ticket is None:
        # Handed off before and closed since: make sure the bot was given the conversation back. Conversations
        # never handed off (nearly all) pay only the query above.
        await resume_if_orphaned(agent, message.sender_id, message.output_channel)
    await on_new_message(message)
    if ticket is None or ticket.status != "waiting":
        return  # the bot answered, or an agent owns the conversation and sees the message in the console
    tracker = await agent.processor.get_tracker(message.sender_id)
    if not tracker.events or not isinstance(tracker.events[-1], UserUttered):
        return  # the bot itself dealt with the message (e.g. refused a /restart)
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if intent == CANCEL_INTENT:
        action = "action_handoff_cancel"
    elif ticket.acknowledged_at is None:
        action = "action_handoff_acknowledge"
    else:
        return
    await run_action(agent, ticket.channel, message.sender_id, action, message.output_channel)
