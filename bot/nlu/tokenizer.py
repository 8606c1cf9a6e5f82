"""jieba tokenisation that is safe for mixed Chinese/English customer messages."""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.identifiers import fold_width


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class DomainJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer, minus whitespace and punctuation tokens, with full-width characters folded.

    jieba emits `' '` as a token between Chinese and English words ("我的 wifi 连不上"); those tokens reach
    the featurizers as empty words and break training. Punctuation is dropped too: every FAQ title ends in
    "？", so a message of question marks alone would otherwise look like an FAQ question. Folding ＴＰ-Ｌｉｎｋ to TP-Link gives full-width input the
    same features as the half-width spelling (jieba would split full-width letters one by one). Offsets still
point into the original text.
    `dictionary_path` must be a directory: every file in it is loaded as a jieba user dictionary.
    """

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        # Folding keeps one character for one, so jieba's offsets on the folded text fit the original.
        folded = fold_width(message.get(attribute))
        tokens = [Token(word, start, end=end) for word, start, end in jieba.tokenize(folded) if _has_content(word)]
        return self._apply_token_pattern(tokens)


def _has_content(word: Text) -> bool:
    """Letters, digits or CJK characters; spaces and punctuation carry no intent."""
    return any(ch.isalnum() for ch in word)
