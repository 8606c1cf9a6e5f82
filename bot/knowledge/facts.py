"""The catalogue as the one source of return windows and warranty lengths in FAQ answers.

An answer may name them through placeholders filled from `knowledge/products.yml` when the knowledge base is
loaded — `{return_days}` (every window, e.g. "7–30 天"), `{return_days:router}` ("7 或 15 天"), `{warranty}`,
`{warranty:switch}` ("3 年") — so a catalogue change changes the answers. A figure written out by hand is checked:
a sentence about returns (退货/换货/退换/无理由) that states days, or one about warranty (保修/质保) that states years or
months, must agree with the catalogue for the product category it names (路由器, 交换机 …), or with the
catalogue's range when it names none. The build fails on a contradiction, naming the entry and the sentence.

An entry may also give a `for_product` answer: the same answer for one product or one category, which the
assistant gives when the customer names a model ("XDR5430保修几年") or a category ("交换机保几年") instead of the
whole table. Its placeholders are `{product}` (the product's name, or the category's), `{warranty}` and
`{return_days}` (that product's figure; a category's, with each model's when they differ).
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from bot.knowledge.model import Product

# Chinese words customers and answers use for the catalogue's categories (longest first where they overlap).
CATEGORY_WORDS: Dict[str, Tuple[str, ...]] = {
    "router": ("路由器",),
    "switch": ("交换机",),
    "camera": ("摄像头", "摄像机", "监控"),
    "adapter": ("无线网卡", "网卡", "适配器"),
    "powerline": ("电力猫", "电力线"),
    "mesh": ("分布式", "mesh", "Mesh", "子母路由"),
}
CATEGORY_NAMES = {"router": "路由器", "switch": "交换机", "camera": "摄像头", "adapter": "无线网卡",
                  "powerline": "电力猫", "mesh": "分布式路由"}

_PLACEHOLDER = re.compile(r"\{(return_days|warranty)(?::([a-z_]+))?\}")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_CLAUSE_END = re.compile(r"[，,、（）()：:]")
_RETURN_TOPIC = re.compile(r"退货|换货|退换|无理由")
_WARRANTY_TOPIC = re.compile(r"保修|质保|保固")
_NOT_THE_WINDOW = re.compile(r"延保|延长保修|工作日|小时")  # extensions and processing times are other figures
_DAYS = re.compile(r"(?P<low>\d+)\s*(?:(?:[–—~\-至到]|或)\s*(?P<high>\d+)\s*)?(?P<unit>天)")
_WARRANTY_SPAN = re.compile(r"(?P<low>\d+)\s*(?:(?:[–—~\-至到]|或)\s*(?P<high>\d+)\s*)?(?P<unit>年|个月)")


def _values(products: Iterable[Product], attribute: str, category: Optional[str] = None) -> List[int]:
    return sorted({getattr(p, attribute) for p in products if category is None or p.category == category})


def _join(values: Sequence[int], unit: str, as_range: bool) -> str:
    if len(values) == 1:
        return f"{values[0]} {unit}"
    if as_range:
        return f"{values[0]}–{values[-1]} {unit}"
    return "、".join(map(str, values[:-1])) + f" 或 {values[-1]} {unit}"


def _years(months: Sequence[int]) -> Tuple[List[int], str]:
    if all(m % 12 == 0 for m in months):
        return [m // 12 for m in months], "年"
    return list(months), "个月"


def render(answer: str, products: Sequence[Product], where: str, problems: List[str]) -> str:
    """Fill the answer's catalogue placeholders; an unknown placeholder or category is a problem."""
    categories = {p.category for p in products}

    def fill(match: "re.Match[str]") -> str:
        kind, category = match.group(1), match.group(2)
        if category is not None and category not in categories:
            problems.append(f"{where}: '{match.group(0)}' names category '{category}', the catalogue has "
                            f"{', '.join(sorted(categories))}")
            return match.group(0)
        if kind == "return_days":
            return _join(_values(products, "return_days", category), "天", as_range=category is None)
        years, unit = _years(_values(products, "warranty_months", category))
        return _join(years, unit, as_range=category is None)

    return _PLACEHOLDER.sub(fill, answer)


PRODUCT_TOPIC = "product_topic"  # the slot (and entity, bot.reading) naming the product a question is about
_TOPIC_PLACEHOLDER = re.compile(r"\{(product|warranty|return_days)\}")


def _figure(products: Sequence[Product], attribute: str) -> str:
    """One product's or one category's figure ("3 年", "7 天"); a category whose models differ lists them."""
    values = _values(products, attribute)
    stated = (lambda found: _join(*_years(found), as_range=False)) if attribute == "warranty_months" \
        else (lambda found: _join(found, "天", as_range=False))
    if len(values) == 1:
        return stated(values)
    per_value = "；".join("、".join(p.sku for p in products if getattr(p, attribute) == value) + " 为 "
                         + stated([value]) for value in values)
    return f"{stated(values)}（{per_value}）"


def product_answers(template: str, products: Sequence[Product], where: str, problems: List[str]
                    ) -> Tuple[Tuple[str, str], ...]:
    """(topic, answer) for each product (topic: its SKU) and each category (topic: the category's key), from an
    entry's `for_product` answer; each answer is checked against the catalogue like the entry's own."""
    unknown = set(re.findall(r"\{([^{}]*)\}", template)) - {"product", "warranty", "return_days"}
    if unknown:
        problems.append(f"{where}: 'for_product' has unknown placeholders {sorted(unknown)}; use {{product}}, "
                        "{warranty} or {return_days}")
        return ()
    groups = [(p.sku, p.name, [p]) for p in products]
    for category in sorted({p.category for p in products}):
        members = [p for p in products if p.category == category]
        groups.append((category, CATEGORY_NAMES.get(category, category), members))
    answers = []
    for topic, name, members in groups:
        values = {"product": name, "warranty": _figure(members, "warranty_months"),
                  "return_days": _figure(members, "return_days")}
        answer = _TOPIC_PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
        check(answer, members, f"{where} (for_product: {topic})", problems)
        answers.append((topic, answer))
    return tuple(answers)


def named_categories(sentence: str) -> Set[str]:
    """The catalogue categories whose words the text uses (case as written: "mesh" and "Mesh" are both words)."""
    return {category for category, words in CATEGORY_WORDS.items() if any(w in sentence for w in words)}


def _stated(pattern: "re.Pattern[str]", sentence: str) -> List[Tuple[int, str]]:
    """Every figure stated in the sentence, with its unit ('天', '年' or '个月'); a range gives both ends."""
    figures = []
    for match in pattern.finditer(sentence):
        figures.extend((int(value), match.group("unit")) for value in match.group("low", "high") if value)
    return figures


def _allowed(products: Sequence[Product], attribute: str, categories: Set[str]) -> Set[int]:
    """The named categories' values; with none named, every value within the catalogue's range."""
    if not categories:
        values = _values(products, attribute)
        return set(range(values[0], values[-1] + 1)) if values else set()
    return {value for category in categories for value in _values(products, attribute, category)}


def check(answer: str, products: Sequence[Product], where: str, problems: List[str]) -> None:
    """Report every return window or warranty length in the answer that the catalogue contradicts."""
    if not products:
        return
    for sentence in filter(None, (part.strip() for part in _SENTENCE_END.split(answer))):
        if _NOT_THE_WINDOW.search(sentence):
            continue
        for clause in filter(None, (part.strip() for part in _CLAUSE_END.split(sentence))):
            _check_clause(clause, sentence, products, where, problems)


def _check_clause(clause: str, sentence: str, products: Sequence[Product], where: str, problems: List[str]
                  ) -> None:
    """Figures are read per clause (its category words apply to it); the topic is the whole sentence's."""
    named = named_categories(clause)
    if _RETURN_TOPIC.search(sentence):
        allowed = _allowed(products, "return_days", named)
        for days, _ in _stated(_DAYS, clause):
            if days not in allowed:
                problems.append(_contradiction(where, sentence, f"{days} 天", "return_days", products, named))
    if _WARRANTY_TOPIC.search(sentence):
        allowed_months = _allowed(products, "warranty_months", named)
        for value, unit in _stated(_WARRANTY_SPAN, clause):
            months = value * 12 if unit == "年" else value
            if months not in allowed_months:
                problems.append(_contradiction(where, sentence, f"{value} {unit}", "warranty_months",
                                               products, named))


def _contradiction(where: str, sentence: str, stated: str, attribute: str, products: Sequence[Product],
                   named: Set[str]) -> str:
    label = "退换期限" if attribute == "return_days" else "保修期"
    unit = "天" if attribute == "return_days" else "个月"
    scope = sorted(named) or sorted({p.category for p in products})
    facts = "; ".join(f"{CATEGORY_NAMES.get(c, c)} {', '.join(map(str, _values(products, attribute, c)))} {unit}"
                      for c in scope)
    return (f"{where}: states {label} {stated} in '{sentence}', the catalogue (knowledge/products.yml) says {facts}"
            " — correct the answer or use a placeholder such as {return_days:router}")
