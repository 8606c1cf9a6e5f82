"""A question outside the knowledge base: an honest answer with the next step, and the question kept for the
knowledge team (`bot.store.unanswered`) instead of the nearest article given with confidence."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import ThreadedAction
from bot.reading import OTHER_BRAND_KEY
from bot.store.unanswered import record_unanswered


class ActionOutOfScope(ThreadedAction):
    """Out of the knowledge base: the honest answer; another brand's device: only TP products are serviced here."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
                  ) -> List[EventType]:
        message = tracker.latest_message or {}
        brand = message.get(OTHER_BRAND_KEY)
        if brand:  # not a gap in the knowledge base: nothing for the knowledge team
            dispatcher.utter_message(response="utter_other_brand", brand=brand)
            return []
        record_unanswered(tracker.sender_id, message, "out_of_scope")
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
