"""Immediate transfer to a person for messages with configured keywords (HANDOFF_KEYWORDS: 12315, 律师, …)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.escalation import transfer_keywords, wants_person_now

HANDOFF_INTENT = "request_human"
# Asking for a person in so many words wins over whatever else the message says ("退款没到账 TP… 帮我转个人工"):
# the verb is required, so "人工客服几点下班" stays a question about the hours.
EXPLICIT_REQUEST = re.compile(
    r"转(个|接)?人工|(找|要|叫|换|接)(个)?(真人|人工)|真人客服|"
    r"\b(talk|speak|chat) (to|with) (a |an )?(human|real person|person|agent)|\bhuman agent\b",
    re.IGNORECASE,
)
# ... unless it is a condition: "要是还没修好我就直接找人工" asks about the repair first; the person comes later.
CONDITIONAL_REQUEST = re.compile(r"(要是|如果|假如|万一|不然|否则|\bif\b|\bunless\b|\botherwise\b)[^。！!？?]{0,30}?$",
                                 re.IGNORECASE)


def asks_for_person(text: str) -> bool:
    """The message asks for a person in so many words, and not only on a condition."""
    found = EXPLICIT_REQUEST.search(text)
    return bool(found) and not CONDITIONAL_REQUEST.search(text[:found.start()])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class HandoffKeywordClassifier(GraphComponent):
    """Overrides the predicted intent with `request_human` when the message names a keyword or asks for a person.

    Runs after the FallbackClassifier, so a keyword in an otherwise unclear message still reaches a person.
    The keywords are read from the environment when the model is loaded, not baked into the model.
    """

    def __init__(self) -> None:
        self.keywords = transfer_keywords()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "HandoffKeywordClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not (wants_person_now(text, self.keywords) or asks_for_person(text)):
                continue
            message.set(INTENT, {INTENT_NAME_KEY: HANDOFF_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
        return messages
