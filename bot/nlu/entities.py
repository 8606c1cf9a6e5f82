"""What the project's entity extractors share: adding their finds to a message the way Rasa's extractors do."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message


def add_entities(extractor: EntityExtractorMixin, message: Message, entities: List[Dict[Text, Any]]) -> None:
    """Appends `entities`, named after `extractor`, to what earlier extractors found (kept, not replaced)."""
    if entities:
        extractor.add_extractor_name(entities)
        message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
