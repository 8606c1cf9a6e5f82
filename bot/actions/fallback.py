"""What the bot does when it is not sure what the customer means."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.common import ThreadedAction
from bot.knowledge import KnowledgeBase, knowledge_base
from bot.reading import CLOSE_KEY
from bot.store.unanswered import record_unanswered

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
SUGGESTION_COUNT = 3
HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the bot did not understand, the current one included (a
    question between two entries was understood well enough to ask which one: it ends the run)."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse_data = event.get("parse_data") or {}
        if (parse_data.get("intent") or {}).get("name") != FALLBACK_INTENT or parse_data.get(CLOSE_KEY):
            break
        misses += 1
    return misses


def close_entry_buttons(latest_message: Dict[Text, Any], knowledge: KnowledgeBase) -> List[Dict[Text, Text]]:
    """The two entries a question fell between (`bot.reading.ask_when_close`), as buttons."""
    keys = [(key or "").split("/", 1)[-1] for key in latest_message.get(CLOSE_KEY) or []]
    entries = knowledge.by_id
    return [{"title": entries[key].title, "payload": entries[key].title} for key in keys if key in entries]


def suggested_entries(latest_message: Dict[Text, Any], knowledge: KnowledgeBase) -> List[Dict[Text, Text]]:
    """The knowledge entries the FAQ response selector ranked highest for this message, as buttons."""
    return [{"title": entry.title, "payload": entry.title}
            for entry, _ in knowledge.ranked(latest_message, SUGGESTION_COUNT)]


class ActionSuggestFaq(ThreadedAction):
    """A question between two entries: "您想了解的是哪一项？" with both. First miss: "您是不是想问…" with the
    top-3 entries. Second miss in a row: hand over to a person. Every miss is kept for the knowledge team."""

    def name(self) -> Text:
        return "action_suggest_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        choices = close_entry_buttons(tracker.latest_message or {}, knowledge_base())
        if len(choices) == 2:
            dispatcher.utter_message(response="utter_which_entry", buttons=choices + [HUMAN_BUTTON])
            return []
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
