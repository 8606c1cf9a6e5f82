from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.identifiers import IdentifierEntityExtractor


def test_extracts_canonical_values_with_original_spans(model_storage, resource, execution_context):
    extractor = IdentifierEntityExtractor.create({}, model_storage, resource, execution_context)
    text = "订单 tp 2026 1105 0017，序列号ＳＮ７Ｋ２Ｍ９Ｑ４Ｘ１Ｂ，电话13800138000"
    [message] = extractor.process([Message(data={TEXT: text})])
    entities = message.get(ENTITIES)
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("order_id", "TP202611050017"),
        ("serial_number", "SN7K2M9Q4X1B"),
        ("phone", "13800138000"),
    ]
    assert all(e["extractor"] == "IdentifierEntityExtractor" for e in entities)
    assert text[entities[0]["start"] : entities[0]["end"]] == "tp 2026 1105 0017"


def test_keeps_entities_of_other_extractors(model_storage, resource, execution_context):
    extractor = IdentifierEntityExtractor.create({}, model_storage, resource, execution_context)
    earlier = {"entity": "product", "value": "TL-WR886N", "start": 0, "end": 4, "extractor": "Other"}
    [message] = extractor.process([Message(data={TEXT: "886n 订单TP202611050017", ENTITIES: [earlier]})])
    assert [e["entity"] for e in message.get(ENTITIES)] == ["product", "order_id"]


def test_message_without_text_is_left_alone(model_storage, resource, execution_context):
    extractor = IdentifierEntityExtractor.create({}, model_storage, resource, execution_context)
    [message] = extractor.process([Message(data={})])
    assert message.get(ENTITIES) is None
