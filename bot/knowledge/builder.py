"""Generate Rasa training data from the knowledge base, and tell when the generated files are stale.

`knowledge/` is the single source of FAQ truth; these files are derived from it and committed so that a reader
of `bot/data/` sees what Rasa trains on:

- `bot/data/nlu/faq.yml`: the `faq/<id>` examples and the `utter_faq/<id>` responses;
- `bot/data/nlu/products.yml`: entity synonyms mapping every spelling of a product to its SKU;
- `bot/nlu/dictionary/products.txt`: the product models for jieba's user dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.knowledge.facts import PRODUCT_TOPIC
from bot.knowledge.model import FaqEntry, KnowledgeBase, Product

GENERATED_HEADER = (
    "# Generated from knowledge/ by `python -m bot.knowledge build` (run by `make run` and `make test`).\n"
    "# Do not edit: edit the files under knowledge/ instead.\n"
)


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    content: str

    def is_current(self) -> bool:
        return self.path.exists() and self.path.read_text(encoding="utf-8") == self.content


def generated_files(knowledge: KnowledgeBase, project_root: Path) -> List[GeneratedFile]:
    """Every file derived from the knowledge base, with the content it must have."""
    root = Path(project_root)
    return [
        GeneratedFile(root / "bot/data/nlu/faq.yml", render_faq(knowledge.entries)),
        GeneratedFile(root / "bot/data/nlu/products.yml", render_product_synonyms(knowledge.products)),
        GeneratedFile(root / "bot/nlu/dictionary/products.txt", render_jieba_dictionary(knowledge.products)),
    ]


def write_generated(knowledge: KnowledgeBase, project_root: Path) -> List[Path]:
    """Write the files that changed; returns their paths (an unchanged file keeps its timestamp)."""
    written = []
    for generated in generated_files(knowledge, project_root):
        if generated.is_current():
            continue
        generated.path.parent.mkdir(parents=True, exist_ok=True)
        generated.path.write_text(generated.content, encoding="utf-8")
        written.append(generated.path)
    return written


def stale_files(knowledge: KnowledgeBase, project_root: Path) -> List[Path]:
    return [generated.path for generated in generated_files(knowledge, project_root) if not generated.is_current()]


# --- rendering ------------------------------------------------------------------------------------


class _Literal(str):
    """A string dumped in YAML's literal block style, as Rasa's `examples: |`."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|"))


def _dump(document: Dict[str, Any]) -> str:
    body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return GENERATED_HEADER + body


def _examples(texts: List[str]) -> _Literal:
    return _Literal("".join(f"- {text}\n" for text in texts))


def faq_examples(entry: FaqEntry) -> List[str]:
    """The entry's training examples: its title first (suggestion buttons send the title), then the questions."""
    return list(dict.fromkeys([entry.title, *entry.questions]))


def _variation(text: str, entry: FaqEntry, entries_by_id: Dict[str, FaqEntry]) -> Dict[str, Any]:
    response: Dict[str, Any] = {"text": _Literal(text) if "\n" in text else text}
    if entry.follow_up:
        response["buttons"] = [
            {"title": entries_by_id[target].title, "payload": entries_by_id[target].title}
            for target in entry.follow_up
        ]
    return response


def faq_response(entry: FaqEntry, entries_by_id: Dict[str, FaqEntry]) -> List[Dict[str, Any]]:
    """The entry's answer, then one variation per product and category (Rasa picks the one whose condition the
    `product_topic` slot meets, else the general answer)."""
    variations = [_variation(entry.answer, entry, entries_by_id)]
    for topic, text in entry.product_answers:
        variation = _variation(text, entry, entries_by_id)
        variation["condition"] = [{"type": "slot", "name": PRODUCT_TOPIC, "value": topic}]
        variations.append(variation)
    return variations


def render_faq(entries: tuple) -> str:
    by_id = {entry.id: entry for entry in entries}
    document = {
        "version": "3.1",
        "nlu": [{"intent": entry.intent, "examples": _examples(faq_examples(entry))} for entry in entries],
        "responses": {entry.response: faq_response(entry, by_id) for entry in entries},
    }
    return _dump(document)


def render_product_synonyms(products: tuple) -> str:
    document = {
        "version": "3.1",
        "nlu": [
            {"synonym": product.sku, "examples": _examples([t for t in product.match_terms() if t != product.sku.lower()])}
            for product in products
        ],
    }
    return _dump(document)


def render_jieba_dictionary(products: tuple) -> str:
    """jieba's user-dictionary format: one `word frequency tag` line per word, frequency high enough to win."""
    words: List[str] = []
    for product in products:
        words.extend(_spellings(product))
    lines = [f"{word} 2000 nz" for word in dict.fromkeys(words)]
    return "\n".join(lines) + "\n"


def _spellings(product: Product) -> List[str]:
    spellings = []
    for term in product.match_terms():
        if " " in term:
            continue  # jieba dictionary words cannot contain spaces
        spellings.extend([term.upper(), term])
    return spellings
