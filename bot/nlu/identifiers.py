"""Entity extraction for order numbers, serial numbers, ticket ids and phone numbers."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.identifiers import find_identifiers
from bot.nlu.entities import add_entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IdentifierEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds identifiers with `bot.identifiers`, the same rules the actions use to validate them.

    Rasa's RegexEntityExtractor matches the text as typed, so "ｔｐ２０２６…" or "tp 2026 1105 0017" would be
    missed; this extractor accepts those spellings and gives the canonical value (TP202611050017).
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IdentifierEntityExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = [
                {"entity": m.kind, "start": m.start, "end": m.end, "value": m.value, "confidence_entity": 1.0}
                for m in find_identifiers(text)
            ]
            add_entities(self, message, entities)
        return messages
