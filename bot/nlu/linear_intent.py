"""Intent classification with a linear model over the featurizers' sparse sentence features.

Why not DIET: on the bot's held-out set and on SMP2019 a logistic regression over the same word and character
n-gram counts classifies intents better (`make eval`: 98.6 % vs 96.8 %; `make eval-smp`), it trains in seconds
instead of minutes, a parse costs a sparse matrix product instead of a TensorFlow graph, and its probabilities
are not saturated, so gibberish falls clearly below the fallback threshold.

Why not Rasa's LogisticRegressionClassifier: a retrieval intent (`faq`) is a union of unrelated questions that one
weight vector cannot separate from the rest, and with class balancing the whole `faq` intent weighed as much as
one small intent. Here every retrieval-intent response key (`faq/warranty_period`) is a class of its own, and an
intent's confidence is the sum of its classes' probabilities. A message without features ("？？？") gets no
intent (confidence 0, so the fallback takes it) instead of failing the parse, and the model is stored as plain arrays
(NumPy's format without pickles), not with skops, whose import resets the root logger.

Since its classes are the response keys, it also selects the response of each retrieval intent, in the format of
Rasa's ResponseSelector (`response_selector` in the parse data, read by `utter_faq` and by the bot's suggestions):
a key's confidence there is its probability given the retrieval intent. That saves a second TensorFlow model,
which cost about as much per message as DIET: the bot's whole NLU took 30 ms a message with both, 3.4 ms with
this classifier alone.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key

logger = logging.getLogger(__name__)

_WEIGHTS_FILE = "weights.npz"
_CLASSES_FILE = "classes.json"
_RESPONSES_FILE = "responses.json"
Responses = Dict[Text, List[Dict[Text, Any]]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression over one class per intent, or per response key of a retrieval intent."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # inverse L2 regularisation strength (scikit-learn's C)
            "C": 30.0,
            # weigh classes inversely to their number of examples
            "balanced": True,
            "max_iter": 5000,
            # how many intents the ranking lists, and how many responses each retrieval intent's ranking lists
            # (Rasa's default for classifiers and response selectors)
            "ranking_length": LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: Optional[np.ndarray] = None,
        intercepts: Optional[np.ndarray] = None,
        classes: Optional[List[Text]] = None,
        responses: Optional[Responses] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._set_model(weights, intercepts, classes or [], responses or {})

    def _set_model(self, weights: Optional[np.ndarray], intercepts: Optional[np.ndarray], classes: List[Text],
                   responses: Responses) -> None:
        self._weights = weights  # (features, classes), so that a parse is one sparse-times-dense product
        self._intercepts = intercepts
        self._classes = classes
        self._responses = responses  # "utter_faq/warranty_period" -> its responses in the domain
        # intent of each class column: "faq/warranty_period" -> "faq"
        self._intents = sorted({_intent_of(name) for name in classes})
        self._intent_columns = np.array([self._intents.index(_intent_of(name)) for name in classes], dtype=np.intp)
        # the class columns of each retrieval intent
        self._retrieval_columns = {intent: np.array([i for i, name in enumerate(classes)
                                                     if "/" in name and _intent_of(name) == intent], dtype=np.intp)
                                   for intent in sorted({_intent_of(name) for name in classes if "/" in name})}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [message for message in training_data.intent_examples if message.get(INTENT) and message.get(TEXT)]
        labels = [_label(message) for message in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents to learn, nothing trained.")
            return self._resource
        features = self._matrix(examples, width=None)
        logger.info(f"LinearIntentClassifier: training on {len(examples)} messages, {len(set(labels))} classes, "
                    f"{features.shape[1]} features...")
        model = LogisticRegression(C=self._config["C"], max_iter=self._config["max_iter"],
                                   class_weight="balanced" if self._config["balanced"] else None)
        model.fit(features, labels)
        classes = [str(name) for name in model.classes_]
        responses: Responses = {}
        for name in (name for name in classes if "/" in name):
            template = intent_response_key_to_template_key(name)
            responses[template] = training_data.responses.get(template) or []
            if not responses[template]:
                # as Rasa's ResponseSelector does: say so, and answer with the key itself
                logger.warning(f"LinearIntentClassifier: no response {template} in the domain.")
                responses[template] = [{TEXT: name}]
        self._set_model(np.ascontiguousarray(model.coef_.T, dtype=np.float32), model.intercept_.astype(np.float32),
                        classes, responses)
        self._persist()
        return self._resource

    def _persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / _WEIGHTS_FILE, weights=self._weights, intercepts=self._intercepts)
            (directory / _CLASSES_FILE).write_text(json.dumps(self._classes, ensure_ascii=False), encoding="utf-8")
            (directory / _RESPONSES_FILE).write_text(json.dumps(self._responses, ensure_ascii=False),
                                                     encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / _WEIGHTS_FILE, allow_pickle=False) as arrays:
                    weights, intercepts = arrays["weights"], arrays["intercepts"]
                classes = json.loads((directory / _CLASSES_FILE).read_text(encoding="utf-8"))
                responses = json.loads((directory / _RESPONSES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier: nothing was trained (fewer than two intents); messages get no "
                           "intent.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, weights, intercepts, classes, responses)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._weights is None:
            # Untrained: every message gets no intent, so the components after this one (the fallback) still run.
            for message in messages:
                _set_no_intent(message)
            return messages
        features = self._matrix(messages, width=self._weights.shape[0])
        probabilities = _softmax(features @ self._weights + self._intercepts)
        for message, row, count in zip(messages, probabilities, features.getnnz(axis=1)):
            if not count:
                # No features, no evidence: the intercepts alone would name the intent of the shortest examples.
                _set_no_intent(message)
                continue
            by_intent = np.bincount(self._intent_columns, weights=row, minlength=len(self._intents))
            order = np.argsort(-by_intent, kind="stable")
            ranking = [{INTENT_NAME_KEY: self._intents[index], PREDICTED_CONFIDENCE_KEY: float(by_intent[index])}
                       for index in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, self._cut(ranking), add_to_output=True)
            if self._retrieval_columns:
                self._select_responses(message, row)
        return messages

    def _cut(self, ranking: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        length = self._config["ranking_length"]
        return ranking[:length] if length > 0 else ranking

    def _select_responses(self, message: Message, probabilities: np.ndarray) -> None:
        """Each retrieval intent's most probable response key, as Rasa's ResponseSelector reports it."""
        selections: Dict[Text, Any] = {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: list(self._retrieval_columns)}
        for intent, columns in self._retrieval_columns.items():
            given_intent = probabilities[columns] / max(float(probabilities[columns].sum()), 1e-12)
            order = np.argsort(-given_intent, kind="stable")
            ranking = [{INTENT_RESPONSE_KEY: self._classes[columns[index]],
                        PREDICTED_CONFIDENCE_KEY: float(given_intent[index])} for index in order]
            best = ranking[0][INTENT_RESPONSE_KEY]
            template = intent_response_key_to_template_key(best)
            selections[intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self._responses[template],
                    PREDICTED_CONFIDENCE_KEY: ranking[0][PREDICTED_CONFIDENCE_KEY],
                    INTENT_RESPONSE_KEY: best,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: template,
                },
                RESPONSE_SELECTOR_RANKING_KEY: self._cut(ranking),
            }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selections, add_to_output=True)

    def _matrix(self, messages: List[Message], width: Optional[int]) -> scipy.sparse.csr_matrix:
        """One row of sparse sentence features per message; a message without features is a row of zeros.

        The row is every featurizer's sentence features side by side, as `Message.get_sparse_features` combines
        them, built directly: that method also combines the token-level features this classifier does not use,
        through `scipy.sparse.hstack`, which was a tenth of the Rasa process's CPU under load."""
        rows = [_sentence_row(message) for message in messages]
        width = width if width is not None else max((row[2] for row in rows if row is not None), default=0)
        data: List[np.ndarray] = []
        columns: List[np.ndarray] = []
        pointers = [0]
        for row in rows:
            if row is not None and row[2] == width:
                data.append(row[0])
                columns.append(row[1])
                pointers.append(pointers[-1] + len(row[0]))
            else:
                pointers.append(pointers[-1])
        empty = np.zeros(0)
        return scipy.sparse.csr_matrix(
            (np.concatenate(data or [empty]).astype(np.float32), np.concatenate(columns or [empty]).astype(np.int64),
             np.asarray(pointers, dtype=np.int64)), shape=(len(messages), width))


def _sentence_row(message: Message) -> Optional[Tuple[np.ndarray, np.ndarray, int]]:
    """The message's sparse sentence features of its text (values, columns, width), featurizers in order."""
    data, columns, width = [], [], 0
    for features in message.features:
        if features.attribute != TEXT or features.type != FEATURE_TYPE_SENTENCE or not features.is_sparse():
            continue
        matrix = features.features.tocoo()
        data.append(matrix.data)
        columns.append(matrix.col + width)
        width += matrix.shape[1]
    if not width:
        return None
    return np.concatenate(data), np.concatenate(columns), width


def _set_no_intent(message: Message) -> None:
    message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [], add_to_output=True)


def _label(message: Message) -> Text:
    """The class a training example belongs to: its retrieval-intent response key where it has one."""
    return message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)


def _intent_of(label: Text) -> Text:
    return label.split("/", 1)[0]


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)
