"""CharacterCRFEntityExtractor: trained on annotated examples tokenized by the project's tokenizer, persisted and
loaded through Rasa's model storage."""

import gc
import os
from typing import List, Tuple

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from tools.nlu.character_crf import (
    CharacterCRFEntityExtractor,
    _spans,
    build_gazetteer,
    gazetteer_features,
    out_of_fold_gazetteers,
)

NAMES = ["张三", "李四", "王小明", "赵敏", "刘德华", "陈奕迅", "孙悟空", "周杰", "马云", "黄晓明"]
CITIES = ["北京", "上海", "深圳", "杭州", "成都", "西安", "武汉", "南京", "重庆", "苏州"]
TEMPLATES = [
    ("DIAL", "name", "给{}打电话"),
    ("DIAL", "name", "打电话给{}吧"),
    ("DIAL", "name", "呼叫{}"),
    ("WEATHER", "city", "{}明天天气怎么样"),
    ("WEATHER", "city", "查一下{}的天气"),
]


def example(intent: str, entity: str, template: str, value: str) -> Message:
    start = template.index("{}")
    text = template.format(value)
    return Message(data={TEXT: text, INTENT: intent,
                         ENTITIES: [{"entity": entity, "start": start, "end": start + len(value), "value": value}]})


@pytest.fixture
def training_data(tokenizer) -> TrainingData:
    # the last two values of each list are kept for the tests
    messages = [example(intent, entity, template, value)
                for intent, entity, template in TEMPLATES
                for value in (NAMES if entity == "name" else CITIES)[:-2]]
    messages += [Message(data={TEXT: text, INTENT: "DEFAULT"}) for text in ("讲个笑话", "你好", "谢谢你")]
    data = TrainingData(messages)
    tokenizer.process_training_data(data)
    return data


@pytest.fixture
def extractor(training_data, model_storage, resource, execution_context) -> CharacterCRFEntityExtractor:
    component = CharacterCRFEntityExtractor.create({}, model_storage, resource, execution_context)
    component.train(training_data)
    return component


def entities(extractor, tokenizer, text: str, intent: str) -> List[Tuple[str, str, int, int]]:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})
    tokenizer.process([message])
    [message] = extractor.process([message])
    return [(e["entity"], e["value"], e["start"], e["end"]) for e in message.get(ENTITIES, [])]


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("给马云打电话", "DIAL", [("name", "马云", 1, 3)]),
        ("打电话给黄晓明吧", "DIAL", [("name", "黄晓明", 4, 7)]),
        ("重庆明天天气怎么样", "WEATHER", [("city", "重庆", 0, 2)]),
        ("查一下苏州的天气", "WEATHER", [("city", "苏州", 3, 5)]),
        ("讲个笑话", "DEFAULT", []),
    ],
)
def test_finds_unseen_values_by_their_context(extractor, tokenizer, text, intent, expected):
    assert entities(extractor, tokenizer, text, intent) == expected


def test_entities_name_their_extractor_and_confidence(extractor, tokenizer):
    message = Message(data={TEXT: "给马云打电话", INTENT: {"name": "DIAL", "confidence": 0.9}})
    tokenizer.process([message])
    [entity] = extractor.process([message])[0].get(ENTITIES)
    assert entity["extractor"] == "CharacterCRFEntityExtractor"
    assert 0.5 < entity["confidence_entity"] <= 1.0


def test_other_extractors_entities_are_kept(extractor, tokenizer):
    earlier = {"entity": "phone", "start": 0, "end": 1, "value": "x", "extractor": "IdentifierEntityExtractor"}
    message = Message(data={TEXT: "给马云打电话", INTENT: "DIAL", ENTITIES: [earlier]})
    tokenizer.process([message])
    found = extractor.process([message])[0].get(ENTITIES)
    assert found[0] == earlier and [e["value"] for e in found[1:]] == ["马云"]


def test_a_loaded_model_tags_like_the_trained_one(extractor, tokenizer, model_storage, resource, execution_context):
    loaded = CharacterCRFEntityExtractor.load({}, model_storage, resource, execution_context)
    for text, intent in (("给马云打电话", "DIAL"), ("查一下苏州的天气", "WEATHER"), ("讲个笑话", "DEFAULT")):
        assert entities(loaded, tokenizer, text, intent) == entities(extractor, tokenizer, text, intent)


def test_a_loaded_model_survives_the_memory_it_was_read_from_being_reused(extractor, tokenizer, model_storage,
                                                                          resource, execution_context):
    # crfsuite reads an in-memory model without keeping the buffer alive: a freed buffer tagged garbage or crashed
    loaded = CharacterCRFEntityExtractor.load({}, model_storage, resource, execution_context)
    gc.collect()
    reused = [os.urandom(64 * 1024) for _ in range(200)]
    assert entities(loaded, tokenizer, "给马云打电话", "DIAL") == [("name", "马云", 1, 3)]
    assert reused


def test_without_annotated_entities_it_stores_and_extracts_nothing(tokenizer, model_storage, resource,
                                                                   execution_context):
    data = TrainingData([Message(data={TEXT: "讲个笑话", INTENT: "DEFAULT"})])
    tokenizer.process_training_data(data)
    CharacterCRFEntityExtractor.create({}, model_storage, resource, execution_context).train(data)
    loaded = CharacterCRFEntityExtractor.load({}, model_storage, resource, execution_context)
    assert entities(loaded, tokenizer, "给马云打电话", "DIAL") == []


def test_spans_of_tags():
    assert list(_spans(["O", "B-name", "I-name", "O"])) == [("name", 1, 3)]
    # two entities side by side, and a run the CRF began with I-
    assert list(_spans(["B-a", "B-a", "I-a", "I-b", "O"])) == [("a", 0, 1), ("a", 1, 3), ("b", 3, 4)]
    # a run ends where another entity's tag follows
    assert list(_spans(["B-a", "I-b", "I-b"])) == [("a", 0, 1), ("b", 1, 3)]
    assert list(_spans([])) == []



def test_characters_that_lengthen_when_lower_cased_keep_the_offsets(extractor, tokenizer):
    # "İ".lower() is two characters: features, tags and offsets must stay one per character of the text
    assert entities(extractor, tokenizer, "İ给马云打电话", "DIAL") == [("name", "马云", 2, 4)]


def _annotated(text: str, value: str, entity: str) -> Message:
    start = text.index(value)
    return Message(data={TEXT: text, ENTITIES: [{"entity": entity, "start": start, "end": start + len(value),
                                                 "value": value}]})


def test_the_gazetteer_holds_annotated_values_of_two_characters_or_more():
    messages = [_annotated("播放Jay的歌", "Jay", "artist"), _annotated("我想去Jay家", "Jay", "name"),
                _annotated("打给王", "王", "name")]
    assert build_gazetteer(messages) == {"jay": ["artist", "name"]}


def test_gazetteer_features_mark_where_a_known_value_begins_continues_and_ends():
    features = gazetteer_features("听周杰伦吧", {"周杰伦": ["artist"], "杰伦": ["name"]})
    assert features[0] == {} and features[4] == {}
    assert features[1] == {"gazetteer.B.artist": 1.0}
    assert features[2] == {"gazetteer.M.artist": 1.0, "gazetteer.B.name": 1.0}
    assert features[3] == {"gazetteer.E.artist": 1.0, "gazetteer.E.name": 1.0}
    assert gazetteer_features("aBC", {"abc": ["x"]})[0] == {"gazetteer.B.x": 1.0}  # case is folded


def test_training_messages_see_only_the_other_folds_values():
    messages = [_annotated(f"给{name}打电话", name, "name") for name in NAMES]
    seen = out_of_fold_gazetteers(messages, folds=5)
    for message, gazetteer, name in zip(messages, seen, NAMES):
        own_fold = {other for index, other in enumerate(NAMES) if index % 5 == NAMES.index(name) % 5}
        assert not own_fold & set(gazetteer)
        assert set(gazetteer) == {n for n in NAMES if n not in own_fold and len(n) >= 2}


def test_a_value_known_from_training_is_found_in_a_new_context(extractor, tokenizer):
    # 刘德华 was a DIAL name in training; here it follows a verb the training data never had
    assert ("name", "刘德华", 2, 5) in entities(extractor, tokenizer, "联系刘德华", "DIAL")
