"""Session start and restart, overridden so that a conversation with a person stays with the person.

Rasa clears the paused flag when a new session starts (after `session_expiration_time`) and on `/restart`.
While the conversation has an open hand-off ticket, the new session is paused again and a restart is refused.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    EventType,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import ThreadedAction

from bot.store.handoffs import has_open_ticket

logger = logging.getLogger(__name__)

_NOT_CARRIED = {"requested_slot", "session_started_metadata"}


class ActionSessionStart(ThreadedAction):
    """Rasa's session start (slots carried over, as `session_config` asks), paused again during a hand-off."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += [SlotSet(name, value) for name, value in tracker.slots.items()
                       if value is not None and name not in _NOT_CARRIED]
        if has_open_ticket(tracker.sender_id, if_unknown=False):  # a database fault must not mute the bot
            logger.info("conversation %s: new session during a hand-off, staying paused", tracker.sender_id)
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events


class ActionRestart(ThreadedAction):
    """`/restart` starts over, except during a hand-off: then the agent keeps the conversation."""

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if has_open_ticket(tracker.sender_id, if_unknown=False):
            dispatcher.utter_message(response="utter_restart_during_handoff")
            return [UserUtteranceReverted()]  # the /restart is ignored: the conversation stays paused
        return [Restarted()]
