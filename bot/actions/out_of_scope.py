"""A question outside the knowledge base: an honest answer with the next step, and the question kept for the
knowledge team (`bot.store.unanswered`) instead of the nearest article given with confidence."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import ThreadedAction
from bot.store.unanswered import record_unanswered


class ActionOutOfScope(ThreadedAction):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
                  ) -> List[EventType]:
        record_unanswered(tracker.sender_id, tracker.latest_message or {}, "out_of_scope")
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
