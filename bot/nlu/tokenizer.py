"""jieba tokenisation that is safe for mixed Chinese/English customer messages."""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.identifiers import IdentifierMatch, find_identifiers, fold_width


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class DomainJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer, minus whitespace and punctuation tokens, with full-width characters folded.

    jieba emits `' '` as a token between Chinese and English words ("我的 wifi 连不上"); those tokens reach
    the featurizers as empty words and break training. Punctuation is dropped too: every FAQ title ends in
    "？", so a message of question marks alone would otherwise look like an FAQ question. Folding ＴＰ-Ｌｉｎｋ to TP-Link gives full-width input the
    same features as the half-width spelling (jieba would split full-width letters one by one). Offsets still
    point into the original text.

    An identifier (order, serial, ticket, phone: `bot.identifiers`) becomes one token whose lemma names its kind
    (`__order_id__`), which is what the featurizers count. "tp 2026 1107 0032 到哪了" then reads like
    "TP202611070032 到哪了" and like any other order number: the intent depends on the words around the number,
    not on its digits or on how it was typed.
    `dictionary_path` must be a directory: every file in it is loaded as a jieba user dictionary.
    """

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        # Folding keeps one character for one, so jieba's offsets on the folded text fit the original.
        folded = fold_width(message.get(attribute))
        tokens = [Token(word, start, end=end) for word, start, end in jieba.tokenize(folded) if _has_content(word)]
        for identifier in find_identifiers(folded):
            tokens = _merge_identifier(tokens, identifier, folded)
        return self._apply_token_pattern(tokens)


def _merge_identifier(tokens: List[Token], identifier: IdentifierMatch, text: Text) -> List[Token]:
    """Replace the tokens overlapping `identifier` by one token lemmatised as its kind."""
    inside = [t for t in tokens if t.start < identifier.end and t.end > identifier.start]
    if not inside:
        return tokens
    start, end = min(t.start for t in inside), max(t.end for t in inside)
    merged = Token(text[start:end], start, end=end, lemma=identifier_lemma(identifier.kind))
    before = [t for t in tokens if t.end <= identifier.start]
    after = [t for t in tokens if t.start >= identifier.end]
    return before + [merged] + after


def identifier_lemma(kind: Text) -> Text:
    """The word the featurizers see instead of an identifier of this kind."""
    return f"__{kind}__"


def _has_content(word: Text) -> bool:
    """Letters, digits or CJK characters; spaces and punctuation carry no intent."""
    return any(ch.isalnum() for ch in word)
