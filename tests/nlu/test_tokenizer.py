"""DomainJiebaTokenizer with the project's dictionary, on mixed Chinese/English text."""

import re

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.identifiers import fold_width


def words(tokenizer, text):
    return [token.text for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_domain_terms_are_single_tokens(tokenizer):
    tokens = words(tokenizer, "我的保修期还有多久，序列号和维修单号在哪看，要转人工客服")
    for term in ("保修期", "序列号", "维修单号", "人工客服"):
        assert term in tokens


def test_product_models_from_the_catalogue_are_single_tokens(tokenizer):
    assert "TL-WR886N" in words(tokenizer, "我买的TL-WR886N坏了")
    assert "tl-xdr5430" in words(tokenizer, "tl-xdr5430路由器掉线")


@pytest.mark.parametrize(
    "text",
    ["我的 wifi 连不上", "TL-WR886N 路由器 无法 上网", "hello 在吗", "订单 TP202611050017 到哪了", "  前后有空格  "],
)
def test_mixed_text_yields_no_whitespace_tokens(tokenizer, text):
    tokens = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    assert tokens and all(token.text.strip() for token in tokens)
    for token in tokens:  # offsets still point into the original text
        assert text[token.start : token.end].strip()


def test_punctuation_is_not_a_token(tokenizer):
    assert words(tokenizer, "保修期多久？！……") == ["保修期", "多久"]
    assert words(tokenizer, "？？？") == []


def test_full_width_text_is_folded_but_offsets_are_kept(tokenizer):
    text = "ＷＩＦＩ连不上"
    tokens = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    assert tokens[0].text == "WIFI"
    assert text[tokens[0].start : tokens[0].end] == "ＷＩＦＩ"


def test_process_training_data_sets_tokens(tokenizer):
    message = Message(data={TEXT: "我的 TL-WR886N 保修期多久"})
    tokenizer.process_training_data(TrainingData([message]))
    assert [t.text for t in message.get(TOKENS_NAMES[TEXT])][:2] == ["我", "的"]


def test_the_dictionary_directory_is_saved_in_the_model(tokenizer, model_storage, resource, execution_context):
    tokenizer.train(TrainingData())
    with model_storage.read_from(resource) as directory:
        assert {p.name for p in directory.iterdir()} == {"terms.txt", "products.txt"}


def lemmas(tokenizer, text):
    return [token.lemma for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


@pytest.mark.parametrize(
    "text",
    ["TP202611070032到哪了", "tp 2026 1107 0032 到哪了", "ＴＰ２０２６１１０７００３２到哪了", "tp-2026-1107-0032到哪了"],
)
def test_an_identifier_is_one_token_named_by_its_kind_however_it_is_typed(tokenizer, text):
    assert lemmas(tokenizer, text) == ["__order_id__", "到", "哪", "了"]
    identifier = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)[0]
    span = fold_width(text[identifier.start : identifier.end])
    assert re.sub(r"[ \-]", "", span).upper() == "TP202611070032"  # the whole number, offsets into the original


def test_every_identifier_kind_has_its_own_lemma(tokenizer):
    text = "SN A1B2 C3D4 E5 的维修单wx2026110342 手机138 0013 8000"
    assert [lemma for lemma in lemmas(tokenizer, text) if lemma.startswith("__")] == [
        "__serial_number__",
        "__repair_id__",
        "__phone__",
    ]
    assert "维修" in lemmas(tokenizer, text) or "维修单" in lemmas(tokenizer, text)
