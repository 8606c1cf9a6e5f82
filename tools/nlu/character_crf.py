"""Learned entities, tagged character by character with a linear-chain CRF (python-crfsuite).

Chinese entity boundaries often fall inside a word of the tokenizer (jieba cuts "打电话给斌少" into
打电话/给斌/少 and "查七乐彩开奖结果" into 查七乐彩/开奖/结果), and a tagger over words cannot split a word.
This one tags characters and uses the words only as features (the word and the character's position in it),
together with the neighbouring characters and the message's intent, which tells which entities to expect.
On SMP2019's dev split (`make eval-smp`) its slot F1 was 73.2 where DIET's word-level tagger, with the same
tokenizer and features, reached 62.5.

The values annotated in training are a gazetteer: a character inside a known value of an entity gets that as a
feature (75.2 on the same dev split). Were each training message to see its own values there, the CRF would learn
to trust the gazetteer blindly (51.1); so while training, each message sees only the values of the other folds,
as unseen messages see the values of all training messages.

The bot's own entities (identifiers, products) are matched deterministically, so the bot's pipeline does not need
this component; add it to `config.yml` after the intent classifier when an assistant learns entities from
annotated examples.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Iterator, List, Optional, Sequence, Text, Tuple, Type

import pycrfsuite
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entities import add_entities

logger = logging.getLogger(__name__)

_MODEL_FILE = "character_crf.crfsuite"
_GAZETTEER_FILE = "gazetteer.json"
_OUTSIDE = "O"
Features = Dict[Text, Any]
# lower-cased entity value -> the entity types it was annotated as
Gazetteer = Dict[Text, List[Text]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CharacterCRFEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Tags each character B-entity / I-entity / O from its neighbourhood, its word and the intent.

    The model is crfsuite's own file format, kept in Rasa's model storage and opened from memory: loading a
    model neither re-trains (as Rasa's CRFEntityExtractor does) nor unpickles anything.
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]  # its words are features

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # characters on each side used as features
            "window": 4,
            # use the intent classifier's prediction (the annotated intent while training) as a feature
            "use_intent": True,
            # values annotated in training as features; training messages see those of the other folds only
            "gazetteer": True,
            "gazetteer_folds": 5,
            # crfsuite's L1 / L2 regularisation (tuned on SMP2019's dev split) and iteration limit
            "L1_c": 0.05,
            "L2_c": 0.05,
            "max_iterations": 200,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[bytes] = None,
        gazetteer: Optional[Gazetteer] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._gazetteer: Gazetteer = gazetteer or {}
        self._set_model(model)

    def _set_model(self, model: Optional[bytes]) -> None:
        # The tagger reads the model from this buffer without holding a reference to it: keep it alive here.
        self._model = model
        self._tagger: Optional[pycrfsuite.Tagger] = None
        if model is not None:
            self._tagger = pycrfsuite.Tagger()
            self._tagger.open_inmemory(model)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CharacterCRFEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        if not training_data.entity_examples:
            logger.debug("CharacterCRFEntityExtractor: no annotated entities, nothing to learn.")
            return self._resource
        examples = [message for message in self.filter_trainable_entities(training_data.nlu_examples)
                    if message.get(TEXT)]
        self._gazetteer = build_gazetteer(examples) if self._config["gazetteer"] else {}
        seen = (out_of_fold_gazetteers(examples, self._config["gazetteer_folds"]) if self._gazetteer
                else [{} for _ in examples])
        trainer = pycrfsuite.Trainer(verbose=False)
        for message, gazetteer in zip(examples, seen):
            trainer.append(self._features(message, gazetteer), _tags(message))
        trainer.set_params({"c1": self._config["L1_c"], "c2": self._config["L2_c"],
                            "max_iterations": self._config["max_iterations"],
                            # transitions never seen in training (e.g. O -> I-x) get a weight too, usually negative
                            "feature.possible_transitions": True})
        logger.info(f"CharacterCRFEntityExtractor: training on {len(examples)} messages "
                    f"({len(training_data.entities)} entity types)...")
        with self._model_storage.write_to(self._resource) as directory:
            trainer.train(str(directory / _MODEL_FILE))
            (directory / _GAZETTEER_FILE).write_text(json.dumps(self._gazetteer, ensure_ascii=False),
                                                     encoding="utf-8")
            self._set_model((directory / _MODEL_FILE).read_bytes())
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "CharacterCRFEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                model: Optional[bytes] = (directory / _MODEL_FILE).read_bytes()
                gazetteer = (json.loads((directory / _GAZETTEER_FILE).read_text(encoding="utf-8"))
                             if (directory / _GAZETTEER_FILE).is_file() else {})
        except (ValueError, FileNotFoundError):
            # trained without annotated entities: nothing was stored, and there is nothing to extract
            model, gazetteer = None, {}
        return cls(config, model_storage, resource, model, gazetteer)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._tagger is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = self._extract(message, text)
            add_entities(self, message, entities)
        return messages

    def _extract(self, message: Message, text: Text) -> List[Dict[Text, Any]]:
        assert self._tagger is not None
        tags = self._tagger.tag(self._features(message, self._gazetteer))
        entities = []
        for entity, start, end in _spans(tags):
            # the least sure character of the span: a span is as good as its weakest boundary
            confidence = min(self._tagger.marginal(tags[index], index) for index in range(start, end))
            entities.append({ENTITY_ATTRIBUTE_TYPE: entity, ENTITY_ATTRIBUTE_START: start,
                             ENTITY_ATTRIBUTE_END: end, "value": text[start:end],
                             "confidence_entity": round(confidence, 4)})
        return entities

    def _features(self, message: Message, gazetteer: Gazetteer) -> List[Features]:
        intent = _intent_name(message) if self._config["use_intent"] else None
        text = message.get(TEXT)
        features = character_features(text, message.get(TOKENS_NAMES[TEXT]) or [], self._config["window"], intent)
        for feature, matches in zip(features, gazetteer_features(text, gazetteer)):
            feature.update(matches)
        return features


def build_gazetteer(messages: Sequence[Message]) -> Gazetteer:
    """The values annotated in `messages`, lower-cased, two characters or longer (one character is too
    ambiguous), with the entity types each was annotated as."""
    values: Dict[Text, set] = {}
    for message in messages:
        text = message.get(TEXT)
        for entity in message.get(ENTITIES) or []:
            value = text[entity[ENTITY_ATTRIBUTE_START]:entity[ENTITY_ATTRIBUTE_END]].lower()
            if len(value) >= 2:
                values.setdefault(value, set()).add(entity[ENTITY_ATTRIBUTE_TYPE])
    return {value: sorted(types) for value, types in values.items()}


def out_of_fold_gazetteers(messages: Sequence[Message], folds: int) -> List[Gazetteer]:
    """The gazetteer each training message sees: message i is in fold i % folds and sees the other folds'
    values, so the CRF learns how far a value known from elsewhere can be trusted."""
    folds = max(2, folds)
    gazetteers = [build_gazetteer([m for i, m in enumerate(messages) if i % folds != fold]) for fold in range(folds)]
    return [gazetteers[index % folds] for index in range(len(messages))]


def gazetteer_features(text: Text, gazetteer: Gazetteer) -> List[Features]:
    """For each character, `gazetteer.B|M|E.<entity>` for every known value of that entity covering it."""
    features: List[Features] = [{} for _ in text]
    if not gazetteer:
        return features
    lowered = [char.lower() for char in text]  # one item per character, as in character_features
    longest = max(len(value) for value in gazetteer)
    for start in range(len(text)):
        for end in range(start + 2, min(len(text), start + longest) + 1):
            for entity in gazetteer.get("".join(lowered[start:end]), ()):
                for index in range(start, end):
                    position = "B" if index == start else "E" if index == end - 1 else "M"
                    features[index][f"gazetteer.{position}.{entity}"] = 1.0
    return features


def character_features(text: Text, tokens: Sequence[Token], window: int, intent: Optional[Text]) -> List[Features]:
    """crfsuite features of every character of `text`: characters, bigrams and trigrams around it, its
    character class, the tokenizer's word containing it and its position there, and the intent."""
    chars = [char.lower() for char in text]  # one item per character even where lower() lengthens one ("İ")
    words = _word_positions(len(text), tokens)
    features = []
    for index, char in enumerate(chars):
        position, word = words[index]
        feature: Features = {"bias": 1.0, "word": word, "position": position, "position.char": position + char}
        for offset in range(-window, window + 1):
            feature[f"char[{offset}]"] = _char_at(chars, index + offset)
            if 0 <= index + offset < len(chars):
                feature[f"class[{offset}]"] = _char_class(chars[index + offset])
        for offset in range(-2, 2):
            feature[f"bigram[{offset}]"] = _char_at(chars, index + offset) + _char_at(chars, index + offset + 1)
        for offset in range(-2, 1):
            feature[f"trigram[{offset}]"] = "".join(_char_at(chars, index + offset + k) for k in range(3))
        if intent:
            feature.update({"intent": intent, "intent.char": intent + char, "intent.word": intent + word})
        features.append(feature)
    return features


def _word_positions(length: int, tokens: Sequence[Token]) -> List[Tuple[Text, Text]]:
    """For each character: S (a one-character word), B, M or E (begin, middle, end of a longer word), or "-"
    outside every word (whitespace), with the word."""
    positions: List[Tuple[Text, Text]] = [("-", "")] * length
    for token in tokens:
        size = token.end - token.start
        for index in range(token.start, min(token.end, length)):
            offset = index - token.start
            position = "S" if size == 1 else "B" if offset == 0 else "E" if offset == size - 1 else "M"
            positions[index] = (position, token.text)
    return positions


def _char_at(chars: Sequence[Text], index: int) -> Text:
    if index < 0:
        return "<s>"
    return chars[index] if index < len(chars) else "</s>"


def _char_class(char: Text) -> Text:
    if char.isdigit():
        return "digit"
    if char.isascii() and char.isalpha():
        return "latin"
    if "\u4e00" <= char <= "\u9fff":
        return "han"
    return "space" if char.isspace() else "other"


def _intent_name(message: Message) -> Optional[Text]:
    intent = message.get(INTENT)
    return intent.get(INTENT_NAME_KEY) if isinstance(intent, dict) else intent


def _tags(message: Message) -> List[Text]:
    """B-/I-/O tags of the message's characters from its entity annotations."""
    tags = [_OUTSIDE] * len(message.get(TEXT))
    for entity in message.get(ENTITIES) or []:
        start, end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
        for index in range(start, end):
            tags[index] = ("B-" if index == start else "I-") + entity[ENTITY_ATTRIBUTE_TYPE]
    return tags


def _spans(tags: Sequence[Text]) -> Iterator[Tuple[Text, int, int]]:
    """(entity, start, end) of each run of one entity's tags; a run may start with I- (the CRF's mistake)."""
    index = 0
    while index < len(tags):
        if tags[index] == _OUTSIDE:
            index += 1
            continue
        entity, start = tags[index][2:], index
        index += 1
        while index < len(tags) and tags[index] == "I-" + entity:
            index += 1
        yield entity, start, index

