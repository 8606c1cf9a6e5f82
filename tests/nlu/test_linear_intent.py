"""LinearIntentClassifier: trained on Rasa's own featurizers' output, persisted and loaded through Rasa's model
storage."""

from typing import Dict, List

import pytest
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent import LinearIntentClassifier

# One retrieval intent made of two unrelated topics, and two ordinary intents.
EXAMPLES = {
    "faq/warranty": ["保修期多久", "保修几年", "保修期是多长时间", "过了保修期怎么办", "保修期从哪天开始算"],
    "faq/refund": ["退款多久到账", "钱什么时候退回来", "退款到哪个账户", "退款还没到账", "怎么查退款进度"],
    "greet": ["你好", "您好", "在吗", "嗨", "早上好"],
    "check_order_status": ["查一下订单", "我的订单到哪了", "订单发货了吗", "帮我查订单", "订单状态"],
}

RESPONSES = {"utter_faq/warranty": [{"text": "保修期为 24 个月。"}], "utter_faq/refund": [{"text": "1–3 个工作日到账。"}]}


def _message(text: str, label: str) -> Message:
    intent, _, key = label.partition("/")
    data = {TEXT: text, INTENT: intent}
    if key:
        data[INTENT_RESPONSE_KEY] = label
    return Message(data=data)


@pytest.fixture
def featurizer(model_storage, execution_context) -> CountVectorsFeaturizer:
    config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 2}
    return CountVectorsFeaturizer.create(config, model_storage, Resource("featurizer"), execution_context)


@pytest.fixture
def prepare(tokenizer, featurizer):
    """Tokenize and featurize messages as the pipeline before the classifier does."""
    data = TrainingData([_message(text, label) for label, texts in EXAMPLES.items() for text in texts],
                        responses=RESPONSES)
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)

    def run(texts: List[str]) -> List[Message]:
        messages = [Message(data={TEXT: text}) for text in texts]
        tokenizer.process(messages)
        featurizer.process(messages)
        return messages

    run.training_data = data
    return run


@pytest.fixture
def classifier(prepare, model_storage, resource, execution_context) -> LinearIntentClassifier:
    component = LinearIntentClassifier.create({}, model_storage, resource, execution_context)
    component.train(prepare.training_data)
    return component


def _parse(classifier: LinearIntentClassifier, prepare, texts: List[str]) -> List[Dict]:
    return [{"intent": m.get(INTENT), "ranking": m.get("intent_ranking"), "selector": m.get("response_selector")}
            for m in classifier.process(prepare(texts))]


def test_each_topic_of_a_retrieval_intent_is_that_intent(classifier, prepare):
    parsed = _parse(classifier, prepare, ["保修期有多长", "退款什么时候到账", "你好啊", "查查我的订单"])
    assert [p["intent"]["name"] for p in parsed] == ["faq", "faq", "greet", "check_order_status"]
    for p in parsed:
        # the ranking lists intents, never response keys, and a retrieval intent's confidence is the sum of its
        # topics' probabilities
        names = [r["name"] for r in p["ranking"]]
        assert sorted(names) == sorted({"faq", "greet", "check_order_status"})
        assert p["ranking"][0] == p["intent"]
        assert sum(r["confidence"] for r in p["ranking"]) == pytest.approx(1.0)
        assert p["intent"]["confidence"] > 0.5


def test_a_message_without_features_gets_no_intent(classifier, prepare):
    """Punctuation alone leaves no tokens: no evidence, so confidence 0 and the fallback takes it."""
    [parsed] = _parse(classifier, prepare, ["？？？"])
    assert parsed == {"intent": {"name": None, "confidence": 0.0}, "ranking": [], "selector": None}


def test_the_faq_response_is_selected_as_rasas_response_selector_reports_it(classifier, prepare):
    """`utter_faq` reads the selected response, the bot's suggestions its ranking: for every message."""
    for text, expected in (("退款什么时候到账", "faq/refund"), ("保修期有多长", "faq/warranty"), ("你好啊", None)):
        [parsed] = _parse(classifier, prepare, [text])
        selector = parsed["selector"]
        assert selector["all_retrieval_intents"] == ["faq"]
        response, ranking = selector["faq"]["response"], selector["faq"]["ranking"]
        if expected:
            assert response["intent_response_key"] == expected
            assert response["utter_action"] == f"utter_{expected}"
            assert response["responses"] == RESPONSES[f"utter_{expected}"]
            assert response["confidence"] > 0.5
        # the ranking lists every entry, the selected one first, confidences given the retrieval intent
        assert [r["intent_response_key"] for r in ranking][0] == response["intent_response_key"]
        assert sorted(r["intent_response_key"] for r in ranking) == ["faq/refund", "faq/warranty"]
        assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_a_loaded_model_classifies_as_the_trained_one(classifier, prepare, model_storage, resource,
                                                      execution_context):
    texts = ["保修期有多长", "退款什么时候到账", "你好啊", "查查我的订单", "？？？"]
    loaded = LinearIntentClassifier.load({}, model_storage, resource, execution_context)
    assert _parse(loaded, prepare, texts) == _parse(classifier, prepare, texts)


def test_fewer_than_two_intents_train_nothing_and_give_no_intent(tokenizer, model_storage, resource,
                                                                   execution_context):
    data = TrainingData([Message(data={TEXT: "你好", INTENT: "greet"})])
    component = LinearIntentClassifier.create({}, model_storage, resource, execution_context)
    component.train(data)
    loaded = LinearIntentClassifier.load({}, model_storage, resource, execution_context)
    message = Message(data={TEXT: "你好"})
    assert loaded.process([message]) == [message]
    # no intent rather than none at all: the fallback classifier after it reads the intent
    assert message.get(INTENT) == {"name": None, "confidence": 0.0}


def test_an_entry_without_a_response_in_the_domain_answers_with_its_key(prepare, model_storage, resource,
                                                                        execution_context, caplog):
    data = prepare.training_data
    data.responses = {"utter_faq/warranty": RESPONSES["utter_faq/warranty"]}  # no utter_faq/refund
    component = LinearIntentClassifier.create({}, model_storage, resource, execution_context)
    component.train(data)
    assert "no response utter_faq/refund in the domain" in caplog.text
    [parsed] = _parse(component, prepare, ["退款什么时候到账"])
    assert parsed["selector"]["faq"]["response"]["responses"] == [{"text": "faq/refund"}]


def test_the_features_are_rasas_sentence_features_side_by_side(prepare, tokenizer, model_storage, execution_context,
                                                                 classifier):
    """Two featurizers, as in config.yml: the classifier's rows equal Rasa's own combination of them."""
    words = CountVectorsFeaturizer.create(CountVectorsFeaturizer.get_default_config(), model_storage,
                                          Resource("words"), execution_context)
    words.train(prepare.training_data)
    messages = prepare(["保修期多久", "退款还没到账吗", "你好呀"]) + [Message(data={TEXT: ""})]
    words.process(messages[:3])
    expected = [m.get_sparse_features(TEXT)[1].features.toarray()[0] for m in messages[:3]]
    matrix = classifier._matrix(messages, width=len(expected[0]))
    assert matrix.shape == (4, len(expected[0]))
    for row, want in zip(matrix.toarray(), expected):
        assert row.tolist() == pytest.approx(want.tolist())
    assert not matrix.toarray()[3].any()  # no features: a row of zeros
