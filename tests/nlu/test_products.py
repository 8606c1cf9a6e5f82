"""ProductEntityExtractor: trained on the real catalogue, persisted and loaded through Rasa's model storage."""

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge import KNOWLEDGE_DIR
from bot.nlu.products import ProductEntityExtractor


@pytest.fixture
def config():
    return {**ProductEntityExtractor.get_default_config(), "knowledge_path": str(KNOWLEDGE_DIR)}


@pytest.fixture
def extractor(config, model_storage, resource, execution_context):
    component = ProductEntityExtractor.create(config, model_storage, resource, execution_context)
    component.train(TrainingData())
    return component


def products(extractor, text):
    [message] = extractor.process([Message(data={TEXT: text})])
    return [(e["value"], text[e["start"] : e["end"]]) for e in message.get(ENTITIES, [])]


@pytest.mark.parametrize(
    "text, value, surface",
    [
        ("我的886n坏了", "886n", "886n"),
        ("WR886N连不上网", "wr886n", "WR886N"),
        ("tl-wr886n路由器", "tl-wr886n", "tl-wr886n"),
        ("ＴＬ－ＷＲ８８６Ｎ", "tl-wr886n", "ＴＬ－ＷＲ８８６Ｎ"),
        ("xdr 5430 怎么设置", "xdr 5430", "xdr 5430"),
        ("买了个TL-SF1005+交换机", "tl-sf1005+", "TL-SF1005+"),
    ],
)
def test_recognises_how_customers_write_models(extractor, text, value, surface):
    assert products(extractor, text) == [(value, surface)]


def test_longest_match_wins_and_numbers_inside_other_words_do_not_match(extractor):
    assert products(extractor, "TL-WR886N和TL-IPC44AW") == [("tl-wr886n", "TL-WR886N"), ("tl-ipc44aw", "TL-IPC44AW")]
    assert products(extractor, "订单尾号1886n9") == []
    assert products(extractor, "手机尾号8000") == []


def test_loaded_model_recognises_without_the_catalogue(config, extractor, model_storage, resource, execution_context):
    loaded = ProductEntityExtractor.load(
        {**config, "knowledge_path": "/nonexistent"}, model_storage, resource, execution_context
    )
    assert products(loaded, "886n") == [("886n", "886n")]


def test_untrained_model_extracts_nothing(config, model_storage, resource, execution_context):
    loaded = ProductEntityExtractor.load(config, model_storage, resource, execution_context)
    assert products(loaded, "886n") == []
