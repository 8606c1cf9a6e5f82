"""Product-model entity extraction with spaCy's PhraseMatcher over the product catalogue."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import read_json_file, dump_obj_as_json_to_file
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from bot.identifiers import fold_width
from bot.knowledge.model import KnowledgeError, load_knowledge
from bot.nlu.entities import add_entities

logger = logging.getLogger(__name__)

_TERMS_FILE = "product_terms.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ProductEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Recognises product models however customers write them ("886n", "WR886N", "tl-wr886n路由器").

    No Chinese spaCy model can be installed here, and none is needed: `spacy.blank("zh")` segments by
    character, so a PhraseMatcher on lower-cased, width-folded text finds model names inside Chinese words.
    The entity value is the spelling that matched; `EntitySynonymMapper` maps it to the SKU using the
    synonyms generated from the same catalogue. Training copies the catalogue's terms into the model, so a
    trained model does not depend on `knowledge/` at run time.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_path": "knowledge", "entity": "product"}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        terms: Optional[Dict[Text, Text]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._terms: Dict[Text, Text] = terms or {}
        self._nlp = spacy.blank("zh")
        self._matcher = self._build_matcher(self._terms)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ProductEntityExtractor":
        return cls(config, model_storage, resource)

    def _build_matcher(self, terms: Dict[Text, Text]) -> PhraseMatcher:
        matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for term in terms:
            matcher.add(term, [self._nlp.make_doc(term)])
        return matcher

    def train(self, training_data: TrainingData) -> Resource:
        try:
            knowledge = load_knowledge(Path(self._config["knowledge_path"]))
        except KnowledgeError as error:
            raise ValueError(f"ProductEntityExtractor cannot read the product catalogue: {error}") from error
        self._terms = {term: product.sku for product in knowledge.products for term in product.match_terms()}
        self._matcher = self._build_matcher(self._terms)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / _TERMS_FILE, self._terms)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ProductEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                terms = read_json_file(directory / _TERMS_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("ProductEntityExtractor: no trained product terms in the model; extracting nothing.")
            terms = {}
        return cls(config, model_storage, resource, terms)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = self._extract(text)
            add_entities(self, message, entities)
        return messages

    def _extract(self, text: Text) -> List[Dict[Text, Any]]:
        folded = fold_width(text)  # one character for one, so spans point into `text`
        doc = self._nlp.make_doc(folded)
        spans = filter_spans([doc[start:end] for _, start, end in self._matcher(doc)])
        entities = []
        for span in spans:
            start, end = span.start_char, span.end_char
            if _glued(folded, start, end):
                continue  # "1886n" or "886nx" is not a model name
            entities.append(
                {
                    "entity": self._config["entity"],
                    "start": start,
                    "end": end,
                    "value": folded[start:end].lower(),
                    "confidence_entity": 1.0,
                }
            )
        return entities


def _glued(text: Text, start: int, end: int) -> bool:
    """Whether the match continues into more ASCII letters or digits on either side."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return _is_ascii_alnum(before) or _is_ascii_alnum(after)


def _is_ascii_alnum(ch: Text) -> bool:
    return bool(ch) and ch.isascii() and ch.isalnum()
