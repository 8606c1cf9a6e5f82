"""The knowledge base as edited by people: FAQ entries and the product catalogue under `knowledge/`.

Loading validates everything and reports *all* problems at once, each naming the file and the entry, because the
people who edit these files are not programmers and a stack trace helps nobody.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import yaml

from bot.identifiers import fold_width

MIN_QUESTIONS = 10
FAQ_DIR_NAME = "faq"
CATALOGUE_FILE_NAME = "products.yml"

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9+\-]*$")


class KnowledgeError(ValueError):
    """The knowledge files are invalid; `problems` lists every problem found, one sentence each."""

    def __init__(self, problems: List[str]) -> None:
        self.problems = problems
        super().__init__("invalid knowledge base:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class FaqEntry:
    id: str
    title: str
    category: str
    questions: Tuple[str, ...]
    answer: str
    follow_up: Tuple[str, ...]
    source: str
    for_product: str = ""  # the answer for one named product or category, with placeholders (bot.knowledge.facts)
    product_answers: Tuple[Tuple[str, str], ...] = ()  # (SKU or category key, answer), filled from for_product

    @property
    def intent(self) -> str:
        return f"faq/{self.id}"

    @property
    def response(self) -> str:
        return f"utter_faq/{self.id}"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    warranty_months: int
    return_days: int
    aliases: Tuple[str, ...]

    def match_terms(self) -> Tuple[str, ...]:
        """Every lower-case spelling that names this product: the SKU, the SKU without its 'TL-' prefix, aliases."""
        terms = [self.sku.lower()]
        if self.sku.upper().startswith("TL-"):
            terms.append(self.sku[3:].lower())
        terms.extend(alias.lower() for alias in self.aliases)
        return tuple(dict.fromkeys(terms))


@dataclass(frozen=True)
class KnowledgeBase:
    entries: Tuple[FaqEntry, ...]
    products: Tuple[Product, ...] = field(default_factory=tuple)

    def entry(self, entry_id: str) -> FaqEntry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    @property
    def by_id(self) -> Dict[str, FaqEntry]:
        return {entry.id: entry for entry in self.entries}

    def ranked(self, parse_data: Dict, limit: int) -> List[Tuple[FaqEntry, float]]:
        """The entries the FAQ response selector ranked highest for a parsed message, each with the classifier's
        probability that the message asks it: the selector's confidence is given that the message is an FAQ
        question at all, so it is multiplied by the `faq` intent's probability (for "夜视坏了 我要换新" the best
        entry is 31 % of the FAQ share, but the message is a repair request: a few per cent in all)."""
        ranking = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
        share = _intent_probability(parse_data, "faq")
        entries, found = self.by_id, []
        for candidate in ranking:
            entry = entries.get((candidate.get("intent_response_key") or "").split("/", 1)[-1])
            if entry is not None and all(entry is not seen for seen, _ in found):
                found.append((entry, share * float(candidate.get("confidence") or 0.0)))
            if len(found) == limit:
                break
        return found


def _intent_probability(parse_data: Dict, intent: str) -> float:
    """The classifier's probability of `intent` for a parsed message. The ranking lists only the most probable
    intents: one not listed is less probable than the last one listed, which is taken as its bound."""
    ranking = parse_data.get("intent_ranking") or []
    for candidate in ranking:
        if candidate.get("name") == intent:
            return float(candidate.get("confidence") or 0.0)
    return min((float(c.get("confidence") or 0.0) for c in ranking), default=1.0)


def question_key(text: str) -> str:
    """What makes two questions "the same" to a classifier: width, case, spaces and punctuation ignored."""
    folded = fold_width(text).lower()
    return "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate `knowledge/`; raise KnowledgeError naming every bad file and entry."""
    directory = Path(directory)
    problems: List[str] = []
    entries = _load_faq(directory / FAQ_DIR_NAME, problems)
    products = _load_catalogue(directory / CATALOGUE_FILE_NAME, problems)
    entries = [_with_catalogue_facts(entry, products, problems) for entry in entries]
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(entries=tuple(entries), products=tuple(products))


def _with_catalogue_facts(entry: FaqEntry, products: List[Product], problems: List[str]) -> FaqEntry:
    """The entry with its answer's catalogue placeholders filled, its stated figures checked (bot.knowledge.facts)."""
    from bot.knowledge import facts  # facts reads Product from this module

    where = f"{entry.source}: entry '{entry.id}'"
    answer = facts.render(entry.answer, products, where, problems)
    facts.check(answer, products, where, problems)
    specific = facts.product_answers(entry.for_product, products, where, problems) if entry.for_product else ()
    return replace(entry, answer=answer, product_answers=specific)


# --- FAQ ------------------------------------------------------------------------------------------


def _load_faq(faq_dir: Path, problems: List[str]) -> List[FaqEntry]:
    files = sorted(faq_dir.glob("*.yml")) + sorted(faq_dir.glob("*.yaml"))
    if not files:
        problems.append(f"{faq_dir}: no FAQ files (*.yml) found")
        return []
    entries: List[FaqEntry] = []
    declared_ids: Set[str] = set()  # also of invalid entries, so one bad entry does not break its references
    for path in files:
        entries.extend(_load_faq_file(path, declared_ids, problems))
    _check_unique_ids(entries, problems)
    _check_unique_questions(entries, problems)
    _check_follow_ups(entries, declared_ids, problems)
    return entries


def _read_yaml(path: Path, problems: List[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(f"{path}: not valid YAML: {error}")
        return None


def _load_faq_file(path: Path, declared_ids: Set[str], problems: List[str]) -> List[FaqEntry]:
    document = _read_yaml(path, problems)
    if document is None:
        return []
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        problems.append(f"{path}: expected a mapping with 'category' and a list 'entries'")
        return []
    category = document.get("category")
    if not isinstance(category, str) or not category.strip():
        problems.append(f"{path}: missing 'category'")
        category = ""
    entries = []
    for position, raw in enumerate(document["entries"], start=1):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            declared_ids.add(raw["id"])
        entry = _parse_entry(path, position, raw, category.strip(), problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _parse_entry(path: Path, position: int, raw: Any, category: str, problems: List[str]) -> Optional[FaqEntry]:
    if not isinstance(raw, dict):
        problems.append(f"{path}: entry #{position} is not a mapping")
        return None
    entry_id = raw.get("id")
    where = f"{path}: entry '{entry_id}'" if entry_id else f"{path}: entry #{position}"
    before = len(problems)
    if not isinstance(entry_id, str) or not _ID_PATTERN.match(entry_id):
        problems.append(f"{where}: 'id' must be lower-case letters, digits and '_' (e.g. warranty_period)")
    title = _text_field(raw, "title", where, problems)
    answer = _text_field(raw, "answer", where, problems)
    questions = _questions(raw.get("questions"), where, problems)
    for_product = raw.get("for_product") or ""
    if not isinstance(for_product, str):
        problems.append(f"{where}: 'for_product' must be a text (the answer for one product, with {{product}})")
    follow_up = raw.get("follow_up") or []
    if not isinstance(follow_up, list) or not all(isinstance(item, str) for item in follow_up):
        problems.append(f"{where}: 'follow_up' must be a list of entry ids")
        follow_up = []
    if len(problems) > before:
        return None
    return FaqEntry(
        id=entry_id,
        title=title,
        category=category,
        questions=questions,
        answer=answer,
        follow_up=tuple(follow_up),
        source=str(path),
        for_product=for_product.strip(),
    )


def _text_field(raw: Dict[str, Any], key: str, where: str, problems: List[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing '{key}'")
        return ""
    return value.strip()


def _questions(raw: Any, where: str, problems: List[str]) -> Tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(q, (str, int, float)) for q in raw):
        problems.append(f"{where}: 'questions' must be a list of texts")
        return ()
    questions = tuple(str(q).strip() for q in raw if str(q).strip())
    if len(questions) < MIN_QUESTIONS:
        problems.append(f"{where}: has {len(questions)} questions, at least {MIN_QUESTIONS} are needed")
    seen: Dict[str, str] = {}
    for question in questions:
        key = question_key(question)
        if key in seen:
            problems.append(f"{where}: question '{question}' repeats '{seen[key]}'")
        seen[key] = question
    return questions


def _check_unique_ids(entries: Iterable[FaqEntry], problems: List[str]) -> None:
    first: Dict[str, FaqEntry] = {}
    for entry in entries:
        if entry.id in first:
            problems.append(f"{entry.source}: entry '{entry.id}': duplicate id (first defined in {first[entry.id].source})")
        else:
            first[entry.id] = entry


def _check_unique_questions(entries: Iterable[FaqEntry], problems: List[str]) -> None:
    owner: Dict[str, FaqEntry] = {}
    for entry in entries:
        for text in (entry.title, *entry.questions):
            key = question_key(text)
            other = owner.get(key)
            if other is not None and other.id != entry.id:
                problems.append(
                    f"{entry.source}: entry '{entry.id}': question '{text}' is also a question of "
                    f"entry '{other.id}' ({other.source})"
                )
            owner.setdefault(key, entry)


def _check_follow_ups(entries: List[FaqEntry], declared_ids: Set[str], problems: List[str]) -> None:
    for entry in entries:
        for target in entry.follow_up:
            if target not in declared_ids:
                problems.append(f"{entry.source}: entry '{entry.id}': follow_up '{target}' is not an entry id")
            elif target == entry.id:
                problems.append(f"{entry.source}: entry '{entry.id}': follow_up points to itself")


# --- product catalogue ----------------------------------------------------------------------------


def _load_catalogue(path: Path, problems: List[str]) -> List[Product]:
    if not path.exists():
        problems.append(f"{path}: the product catalogue is missing")
        return []
    document = _read_yaml(path, problems)
    if document is None:
        return []
    if not isinstance(document, dict) or not isinstance(document.get("products"), list):
        problems.append(f"{path}: expected a mapping with a list 'products'")
        return []
    products = []
    for position, raw in enumerate(document["products"], start=1):
        product = _parse_product(path, position, raw, problems)
        if product is not None:
            products.append(product)
    _check_catalogue_terms(path, products, problems)
    return products


def _parse_product(path: Path, position: int, raw: Any, problems: List[str]) -> Optional[Product]:
    if not isinstance(raw, dict):
        problems.append(f"{path}: product #{position} is not a mapping")
        return None
    sku = raw.get("sku")
    where = f"{path}: product '{sku}'" if sku else f"{path}: product #{position}"
    before = len(problems)
    if not isinstance(sku, str) or not _SKU_PATTERN.match(sku):
        problems.append(f"{where}: 'sku' must be upper-case letters, digits, '-' or '+' (e.g. TL-WR886N)")
    name = _text_field(raw, "name", where, problems)
    category = _text_field(raw, "category", where, problems)
    numbers = {}
    for key in ("warranty_months", "return_days"):
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append(f"{where}: '{key}' must be a positive whole number")
        numbers[key] = value
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) and str(a).strip() for a in aliases):
        problems.append(f"{where}: 'aliases' must be a list of texts")
        aliases = []
    if len(problems) > before:
        return None
    return Product(
        sku=sku,
        name=name,
        category=category,
        warranty_months=numbers["warranty_months"],
        return_days=numbers["return_days"],
        aliases=tuple(str(a).strip() for a in aliases),
    )


def _check_catalogue_terms(path: Path, products: List[Product], problems: List[str]) -> None:
    owner: Dict[str, str] = {}
    for product in products:
        for term in product.match_terms():
            if term in owner and owner[term] != product.sku:
                problems.append(f"{path}: product '{product.sku}': alias '{term}' also names '{owner[term]}'")
            owner.setdefault(term, product.sku)
