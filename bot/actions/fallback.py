"""What the bot does when it is not sure what the customer means."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import ThreadedAction
from bot.knowledge import KnowledgeBase, knowledge_base
from bot.store.unanswered import record_unanswered

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
SUGGESTION_COUNT = 3
HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the bot did not understand, the current one included."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        misses += 1
    return misses


def suggested_entries(latest_message: Dict[Text, Any], knowledge: KnowledgeBase) -> List[Dict[Text, Text]]:
    """The knowledge entries the FAQ response selector ranked highest for this message, as buttons."""
    return [{"title": entry.title, "payload": entry.title}
            for entry, _ in knowledge.ranked(latest_message, SUGGESTION_COUNT)]


class ActionSuggestFaq(ThreadedAction):
    """First miss: "您是不是想问…" with the top-3 entries. Second miss in a row: hand over to a person. Every miss
    is kept for the knowledge team."""

    def name(self) -> Text:
        return "action_suggest_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        record_unanswered(tracker.sender_id, tracker.latest_message or {}, "fallback")
        misses = consecutive_misses(tracker)
        if misses >= 2:
            logger.info("conversation %s: %d misses in a row, handing over to a person", tracker.sender_id, misses)
            dispatcher.utter_message(response="utter_fallback_to_human")
            return [FollowupAction("action_handoff")]
        buttons = suggested_entries(tracker.latest_message, knowledge_base())
        if not buttons:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons + [HUMAN_BUTTON])
        return []
