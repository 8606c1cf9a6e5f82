"""In front of the bot on every channel: while a conversation has an open hand-off ticket, Rasa only records
the customer's messages (the tracker is paused), and the gate answers what a customer waiting for a person needs:
- cancelling ("不用了");
- an answer the bot can give itself while no agent has joined yet: a knowledge question ("你们人工几点下班"), a
  look-up ("就是问个保修 SN…") or the next step of a task begun while waiting. The bot is resumed for that one
  message and paused again (`serves_while_waiting`); the ticket keeps its place in the queue;
- for anything else, knowing that the message was received (the first one, then a reminder at most once a minute).
Once an agent has joined, every message is theirs: the bot only records it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Text

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, ConversationPaused, ConversationResumed,
                                      Event, UserUttered)
from sqlalchemy.exc import SQLAlchemyError

from bot.core.pictures import is_picture, record_picture
from bot.handoff.live import resume_if_orphaned, run_action
from bot.handoff.tickets import record_customer_message
from bot.reading import TASK_INTENTS
from bot.store.db import transaction
from bot.store.handoffs import TicketState, has_open_ticket, latest_ticket_state
from bot.topics import TASKS_FOR

logger = logging.getLogger(__name__)

CANCEL_INTENT = "deny"
HANDOFF_ACTION = "action_handoff"
# What the bot answers itself while the customer waits: knowledge questions and the look-up / filing tasks (a
# complaint and a request for a person are the agent's).
SERVED_INTENTS = ("faq",) + tuple(intent for intent in TASK_INTENTS if intent != "file_complaint")


def serves_while_waiting(parse: Dict[Text, Any], in_task: bool) -> bool:
    """The bot answers this message of a waiting customer itself (see the module's docstring)."""
    intent = (parse.get("intent") or {}).get("name")
    if intent == CANCEL_INTENT:
        return False
    if in_task or intent in SERVED_INTENTS:
        return True
    return any(e.get("entity") in TASKS_FOR for e in parse.get("entities") or [])  # a number to look up


def _latest_ticket(conversation_id: Text) -> Optional[TicketState]:
    try:
        return latest_ticket_state(conversation_id)
    except SQLAlchemyError as error:
        logger.error("conversation %s: hand-off state unavailable, the bot handles the message: %s",
                     conversation_id, error)
        return None


def task_begun_while_waiting(events: Sequence[Event]) -> bool:
    """A form the bot started after the hand-off is still active (one active before it is not the bot's to go on
    with: the agent will take the conversation)."""
    for event in reversed(events):
        if isinstance(event, ActiveLoop):
            return event.name is not None
        if isinstance(event, ActionExecuted) and event.action_name == HANDOFF_ACTION:
            return False
    return False


def answered_by_the_bot(events: Sequence[Event]) -> bool:
    """The bot acted after the customer's latest message (slots Rasa fills from its entities do not count)."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, (ActionExecuted, BotUttered)):
            return True
    return True  # no customer message at all


async def _set_paused(agent: Agent, conversation_id: Text, paused: bool) -> None:
    """Pause or resume the bot on the conversation (under its lock); pausing again only while a ticket is open."""
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        if tracker.is_paused() == paused:
            return
        if paused and not await asyncio.to_thread(has_open_ticket, conversation_id, True):
            return  # cancelled or closed meanwhile: the bot keeps the conversation
        tracker.update(ConversationPaused() if paused else ConversationResumed())
        await agent.processor.save_tracker(tracker)


async def _served_by_the_bot(agent: Agent, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                             message: UserMessage) -> bool:
    """While waiting: let the bot answer the message itself if it can (True), else leave it to the agent."""
    tracker = await agent.processor.get_tracker(message.sender_id)
    parse = await agent.processor.parse_message(message, None)
    if not serves_while_waiting(parse, task_begun_while_waiting(tracker.events)):
        return False
    logger.info("conversation %s: waiting for a person, the bot answers %r itself", message.sender_id,
                (parse.get("intent") or {}).get("name"))
    await _set_paused(agent, message.sender_id, False)
    try:
        await on_new_message(message)
    finally:
        await _set_paused(agent, message.sender_id, True)
    return True


async def _counted(ticket: TicketState, message: UserMessage) -> None:
    """The message (already stored in the tracker) counted on the ticket for the agent's alerts; a database
    fault costs only the badge, never the message."""
    try:
        await asyncio.to_thread(_record, ticket.id, message.text or "")
    except SQLAlchemyError as error:
        logger.error("conversation %s: message not counted for the agent's alerts: %s", message.sender_id, error)


def _record(ticket_id: int, text: str) -> None:
    with transaction() as session:
        record_customer_message(session, ticket_id, text)


async def _picture(agent: Agent, message: UserMessage, ticket: Optional[TicketState]) -> None:
    """A picture: the bot answers it only when it has the conversation; with a ticket open it is the agent's (and
    a waiting customer hears that it was received, as for a text)."""
    await record_picture(agent, message, reply=ticket is None)
    if ticket is None:
        return
    await _counted(ticket, message)
    if ticket.status == "waiting":
        await run_action(agent, ticket.channel, message.sender_id, "action_handoff_acknowledge", message.output_channel)


async def handle_message(
    agent: Agent, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> None:
    """Pass the message to Rasa; while waiting for a person, answer it, follow up on a cancel, or acknowledge it."""
    latest = await asyncio.to_thread(_latest_ticket, message.sender_id)
    ticket = latest if latest is not None and latest.is_open else None
    if latest is not None and ticket is None:
        # Handed off before and closed since: make sure the bot was given the conversation back. Conversations
        # never handed off (nearly all) pay only the query above.
        await resume_if_orphaned(agent, message.sender_id, message.output_channel)
    if is_picture(message):
        await _picture(agent, message, ticket)
        return
    waiting = ticket is not None and ticket.status == "waiting"
    if waiting and await _served_by_the_bot(agent, on_new_message, message):
        await _counted(ticket, message)
        return
    await on_new_message(message)
    if ticket is not None:
        await _counted(ticket, message)
    if not waiting:
        return  # the bot answered, or an agent owns the conversation and sees the message in the console
    tracker = await agent.processor.get_tracker(message.sender_id)
    if answered_by_the_bot(tracker.events):
        return  # the bot itself dealt with the message (e.g. refused a /restart)
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    action = "action_handoff_cancel" if intent == CANCEL_INTENT else "action_handoff_acknowledge"
    await run_action(agent, ticket.channel, message.sender_id, action, message.output_channel)
