"""How a customer message is read in its conversation, before the dialogue acts on it.

The NLU model reads one message alone. Customers do not write that way:
- **Follow-ups**: "886n保修几年" then "那交换机呢" or "发邮件行不行" — a fragment that only makes sense with the
  question before it. A fragment (or a message the model is unsure of) is read again together with the previous
  customer message; when that reading is confident it is taken (the text stays the customer's own).
- **A topic with its identifier**: "退货要几天 TP202611050017" or "保修还在吗 SN7K2M9Q4X1B" — the article's topic
  plus the number the task needs: the task is started, as when the number follows the article (`bot.topics`).
- **Between two answers**: "东西拆开了还能退不" is half a return-policy question, half a warranty-exclusions one;
  when the FAQ entries the model ranks first and second split the probability (the first below CLOSE_TOP_BELOW,
  the second within CLOSE_MARGIN of it, together at least CLOSE_PAIR_MIN), the customer is asked which one, with
  both as buttons, instead of being answered from a guess (`ask_when_close`; the fallback action shows them).
- **An upset customer with a request**: "呵呵 你们效率真高啊 一个月了快递还没到 TP…" is a look-up, said angrily. The
  look-up starts, and the customer hears an apology first (`sounds_upset` marks the parse data with UPSET_KEY; the
  forms' validation says it). A message that is only anger is the `express_frustration` intent.
- **Another brand's device**: "我的华为路由器坏了 你们能修吗" is a repair request the company cannot take. A
  message naming another brand's device (not TP's) is read as out of scope with OTHER_BRAND_KEY: the customer is
  told that only TP products are serviced here (`other_brand`).
- **The record of the last turns**: "快递单号多少" after a repair's status card asks for that repair again, not for
  an order (`lookup_of_last_record`; the form then takes the number from those turns).
- **Two readings that agree**: an unclear message whose best readings are a task and an FAQ question of that
  task's topic ("那个交换机能退不") is the task's request (`task_when_readings_agree`).
- **The product asked about**: "交换机保几年" wants the switch's warranty, not the whole table; "网卡呢" then the
  adapter's, and "那退货呢" the adapter's return window. An FAQ question is marked with the product or category it
  names (PRODUCT_TOPIC: the SKU, or the category's key), or the one the last two customer messages named, or
  NO_PRODUCT; the `product_topic` slot then selects the answer's variation for it (`with_product_topic`).
- **Two questions in one message**: "xdr5430保修几年？还有几天内能退" — split at sentence ends and connectives;
  when two parts are confident, different questions, each is answered, knowledge questions first and at most one
  task (whose form then asks its first question) last.

Pure functions over parse results (dicts as Rasa's `parse_message` returns them); `bot.rasa_hooks` applies them.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Text

from bot.knowledge.facts import PRODUCT_TOPIC, named_categories
from bot.topics import TAIL_CHECKED, TASKS_FOR, TOPIC_OF, label, task_for

CONTEXT_KEY = "read_with_previous"  # parse data: the text the message was read together with
OTHER_BRAND_KEY = "other_brand"  # parse data: the other brand whose device the message is about
UPSET_KEY = "upset"  # parse data: the message sounds angry or fed up
CLOSE_KEY = "close_entries"  # parse data: the two FAQ entries (response keys) the customer is asked to choose from
CLOSE_TOP_BELOW = 0.5
CLOSE_MARGIN = 0.15
CLOSE_PAIR_MIN = 0.6  # together the two must hold most of the probability: else neither is likely the one meant
FALLBACK_INTENT = "nlu_fallback"
FRAGMENT_MAX_CHARS = 24  # a follow-up fragment is short
CONTEXT_MAX_CHARS = 160  # the previous reading kept for the next follow-up
TASK_INTENTS = ("check_order_status", "check_warranty", "check_repair_status", "request_repair", "request_return",
                "file_complaint")
ANSWERED_INTENTS = ("faq",) + TASK_INTENTS  # what a part of a compound message must be to get its own answer

_FRAGMENT = re.compile(
    r"^\s*(那|那么|要是|如果|还有|另外|and\b|what about|how about|also\b)|呢[\s?？!！。.~～]*$",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")
_SPLIT = re.compile(
    r"[？?！!。；;\n]+"
    r"|(?:另外|还有就是|还有|还想问一?下|顺便问一?下|顺便|以及|and also|also)"
    r"|(?:^|\s)[1-9][.、）)](?!\d)"
    r"|[，,]\s*(?=[1-9][.、）)])",
    re.IGNORECASE,
)
_MIN_PART_CHARS = 3
# Sarcasm, insults, exasperation and repeated exclamation / question marks ("！！！", "？？？").
_UPSET = re.compile(
    r"呵呵|效率真高|真行啊|垃圾|破(东西|玩意|产品|机器)|什么破|气死|太差|差劲|无语|骗子|坑人|失望|烂透|受不了|"
    r"到底(还)?要|怎么还没|说好的|一个月了|[几好多]+[天周]了|[!！]{2,}|[?？]{3,}|"
    r"\b(ridiculous|terrible|useless|unacceptable|worst|scam)\b",
    re.IGNORECASE,
)


def _intent(parse: Dict[Text, Any]) -> Optional[Text]:
    return (parse.get("intent") or {}).get("name")


def is_fragment(text: Text) -> bool:
    """A short message that leans on the one before ("那交换机呢", "要是毛病比较复杂呢", "what about returns")."""
    return len(text.strip()) <= FRAGMENT_MAX_CHARS and bool(_FRAGMENT.search(text.strip()))


def previous_reading(previous_text: Optional[Text], previous_parse: Optional[Dict[Text, Any]]) -> Optional[Text]:
    """What the previous message meant as text: its own text, or the combined text it was itself read as."""
    if not previous_text:
        return None
    combined = (previous_parse or {}).get(CONTEXT_KEY)
    return (combined or previous_text)[-CONTEXT_MAX_CHARS:]


def needs_previous(text: Text, parse: Dict[Text, Any]) -> bool:
    """Read with the previous message: a fragment, or a message the model is unsure of that has words in it."""
    if text.startswith("/") or len(_CONTENT.findall(text)) < 2:
        return False
    return is_fragment(text) or _intent(parse) == FALLBACK_INTENT


def together(previous: Text, text: Text) -> Text:
    return f"{previous} {text}"


def _identifier_slots(parse: Dict[Text, Any]) -> List[Text]:
    return [e.get("entity") for e in parse.get("entities") or [] if e.get("entity") in TASKS_FOR]


def better_with_previous(alone: Dict[Text, Any], combined: Dict[Text, Any]) -> bool:
    """Take the combined reading when it is a confident question or task (not chit-chat carried over), except
    - a task again when the message alone is a knowledge question ("那顺便问下寄修大概几天" after a warranty card
      is a question about repair times, not the warranty check once more), and
    - a task the message's own identifier cannot continue ("那维修单WX…呢" after a warranty check: the repair)."""
    task = _intent(combined) in TASK_INTENTS
    if task and _intent(alone) == "faq":
        return False
    own = _identifier_slots(alone)
    if task and own and not any(_intent(combined) in TASKS_FOR[slot][0] for slot in own):
        return False
    return _intent(combined) in ANSWERED_INTENTS and (
        _intent(alone) == FALLBACK_INTENT or label(combined) != label(alone)
    )


def adopt_reading(alone: Dict[Text, Any], combined: Dict[Text, Any], combined_text: Text) -> Dict[Text, Any]:
    """The message's own parse with the combined reading's intent, ranking and FAQ selection."""
    adopted = dict(alone)
    for key in ("intent", "intent_ranking", "response_selector"):
        if key in combined:
            adopted[key] = combined[key]
    # Entities stay the message's own, plus the product the combined text names when the message names none.
    own = list(alone.get("entities") or [])
    names_product = any(e.get("entity") == "product" for e in own)
    adopted["entities"] = own + ([] if names_product else [
        e for e in combined.get("entities") or [] if e.get("entity") == "product"
    ])
    adopted[CONTEXT_KEY] = combined_text[-CONTEXT_MAX_CHARS:]
    return adopted


TASK_WITH_IDENTIFIER_MIN = 0.5  # an unclear message's best intent, taken when the message carries its identifier


def _as_task(parse: Dict[Text, Any], task: Text, confidence: float, read_as: Optional[Text]) -> Dict[Text, Any]:
    rewritten = dict(parse)
    rewritten["intent"] = {"name": task, "confidence": confidence}
    rewritten["intent_ranking"] = [rewritten["intent"]] + [
        ranked for ranked in parse.get("intent_ranking") or [] if ranked.get("name") != task
    ]
    rewritten["read_as_task_of"] = read_as
    return rewritten


def task_from_identifier(parse: Dict[Text, Any]) -> Dict[Text, Any]:
    """A message carrying the identifier a task needs becomes that task's request when it is
    - an FAQ question of the task's topic ("退货要啥条件 TP…"), or
    - unclear, with the task (or an FAQ question of its topic) as the model's best guess ("就是问个保修 SN…":
      check_warranty at 0.67, under the fallback threshold): the identifier settles it. Otherwise the unclear
      message is read as giving the number ("TP… 这单是不是取消了"), which the conversation's topic routes (or
      the number's usual task: an order number is looked up)."""
    intent = _intent(parse)
    if intent not in ("faq", FALLBACK_INTENT):
        return parse
    slots = _identifier_slots(parse)
    if intent == FALLBACK_INTENT:
        guess = next((ranked for ranked in parse.get("intent_ranking") or []
                      if ranked.get("name") != FALLBACK_INTENT), {})
        confidence = float(guess.get("confidence") or 0.0)
        if not slots:
            return parse
        if confidence >= TASK_WITH_IDENTIFIER_MIN and any(guess.get("name") in TASKS_FOR[slot][0] for slot in slots):
            return _as_task(parse, guess["name"], confidence, FALLBACK_INTENT)
        if confidence >= TASK_WITH_IDENTIFIER_MIN and guess.get("name") == "faq":  # "一个月了快递还没到 TP…"
            read = task_from_identifier({**parse, "intent": dict(guess)})
            if _intent(read) != "faq":
                return read
        # "TP… 这单是不是取消了": the number, routed by the conversation's topic (or its kind's usual task)
        return {**parse, "intent": {"name": "inform", "confidence": confidence}, "read_as_task_of": FALLBACK_INTENT}
    for slot in slots:
        task = task_for(label(parse), slot)
        if task is not None:
            return _as_task(parse, task, (parse.get("intent") or {}).get("confidence", 1.0), label(parse))
    return parse


_OTHER_BRAND = re.compile(
    r"(华为|荣耀|小米|红米|华硕|网件|腾达|水星|迅捷|中兴|锐捷|华三|H3C|领势|Linksys|Netgear|ASUS|Tenda|Mercury|Huawei|"
    r"Xiaomi|Honor|ZTE|海康威视?|萤石|乐橙|大华)\s*(的|家的?)?\s*"
    r"(路由器?|交换机|摄像头|摄像机|监控|网卡|电力猫|mesh|AP|wifi|router|switch|camera)",
    re.IGNORECASE,
)
_TP_BRAND = re.compile(r"(?<![A-Za-z])TP(?![A-Za-z])|TP-?LINK|普联", re.IGNORECASE)  # "TP的路由器" too


def other_brand(text: Text) -> Optional[Text]:
    """The other brand whose device the message is about ("我的华为路由器坏了"), None for TP's own or none."""
    found = _OTHER_BRAND.search(text or "")
    if found is None or _TP_BRAND.search(text):
        return None
    return found.group(1)


def read_other_brand(parse: Dict[Text, Any]) -> Dict[Text, Any]:
    """A question or task about another brand's device becomes `out_of_scope`, naming the brand."""
    brand = other_brand(parse.get("text") or "")
    if brand is None or _intent(parse) not in ANSWERED_INTENTS:
        return parse
    confidence = (parse.get("intent") or {}).get("confidence", 1.0)
    return {**parse, "intent": {"name": "out_of_scope", "confidence": confidence}, OTHER_BRAND_KEY: brand}


NO_PRODUCT = "none"  # PRODUCT_TOPIC of a question about no product, or about several
# A category whose words contain another's: 分布式路由器 is a mesh, 电力线适配器 a powerline adapter.
_NARROWER = {"mesh": "router", "powerline": "adapter"}
PRODUCT_CONTEXT_TURNS = 2  # a question without a product continues the product of this many previous messages
_ENGLISH_CATEGORIES = [  # first match wins: "mesh router" is a mesh, not a router
    ("mesh", re.compile(r"\bmesh\b", re.IGNORECASE)),
    ("adapter", re.compile(r"\b(?:wi-?fi|usb|wireless|network)\s+(?:adapter|card|dongle)s?\b", re.IGNORECASE)),
    ("powerline", re.compile(r"\bpowerline\b", re.IGNORECASE)),
    ("router", re.compile(r"\brouters?\b", re.IGNORECASE)),
    ("switch", re.compile(r"\bswitch(?:es)?\b", re.IGNORECASE)),
    ("camera", re.compile(r"\b(?:cameras?|webcams?|cctv)\b", re.IGNORECASE)),
]


def product_named(parse: Dict[Text, Any]) -> Optional[Text]:
    """The product model the message names (its SKU, from the product entity), else the category it names
    (`bot.knowledge.facts.named_categories`, then English words); NO_PRODUCT when it names several categories
    ("路由器和交换机保修多久": the general answer covers both)."""
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "product" and isinstance(entity.get("value"), str):
            return entity["value"]
    text = parse.get("text") or ""
    named = named_categories(text.lower())
    named -= {broader for narrower, broader in _NARROWER.items() if narrower in named}
    if len(named) > 1:
        return NO_PRODUCT
    if named:
        return named.pop()
    return next((category for category, words in _ENGLISH_CATEGORIES if words.search(text)), None)


def with_product_topic(parse: Dict[Text, Any], earlier: Sequence[Dict[Text, Any]]) -> Dict[Text, Any]:
    """An FAQ question marked with the product it is about (a PRODUCT_TOPIC entity); a question naming none keeps
    the product of the last PRODUCT_CONTEXT_TURNS messages (no entity: the slot stays), or is marked NO_PRODUCT."""
    if _intent(parse) != "faq":
        return parse
    topic = product_named(parse)
    if topic is None:
        if any(product_named(previous) for previous in earlier[:PRODUCT_CONTEXT_TURNS]):
            return parse
        topic = NO_PRODUCT
    entity = {"entity": PRODUCT_TOPIC, "value": topic, "start": 0, "end": 0, "extractor": "bot.reading"}
    return {**parse, "entities": list(parse.get("entities") or []) + [entity]}


def sounds_upset(text: Text) -> bool:
    return bool(_UPSET.search(text or ""))


def mark_upset(parse: Dict[Text, Any]) -> Dict[Text, Any]:
    """The parse data with UPSET_KEY when the message sounds upset (a copy; unchanged otherwise)."""
    return {**parse, UPSET_KEY: True} if sounds_upset(parse.get("text") or "") else parse


def task_when_readings_agree(parse: Dict[Text, Any]) -> Dict[Text, Any]:
    """An unclear message whose two best readings are a task and an FAQ question of that task's topic
    ("那个交换机能退不": request_return 0.57, the return-policy question 0.40) is the task's request."""
    if _intent(parse) != FALLBACK_INTENT:
        return parse
    ranked = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT][:2]
    if len(ranked) < 2 or float(ranked[0].get("confidence") or 0.0) < TASK_WITH_IDENTIFIER_MIN:
        return parse
    task, other = ranked[0].get("name"), ranked[1].get("name")
    entry = label({**parse, "intent": {"name": "faq"}})  # the FAQ entry the message would be read as
    if task not in TASK_INTENTS or other != "faq" or TOPIC_OF.get(entry or "") != task:
        return parse
    return _as_task(parse, task, float(ranked[0]["confidence"]), FALLBACK_INTENT)


LOOKUP_OF_RECORD = {slot: TASKS_FOR[slot][1] for slot in TAIL_CHECKED}  # order_id -> check_order_status, …


def lookup_of_last_record(parse: Dict[Text, Any], earlier: Sequence[Dict[Text, Any]]) -> Dict[Text, Any]:
    """A look-up without a number ("快递单号多少") is the look-up of the record the last turns named (`earlier`:
    the previous customer messages' parse data, newest first): after a repair's card, the repair's."""
    intent = _intent(parse)
    if intent not in LOOKUP_OF_RECORD.values() or _identifier_slots(parse):
        return parse
    for before in earlier:
        named = [e.get("entity") for e in before.get("entities") or [] if e.get("entity") in LOOKUP_OF_RECORD]
        if named:
            task = LOOKUP_OF_RECORD[named[0]]
            confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
            return parse if task == intent else _as_task(parse, task, confidence, intent)
    return parse


def _faq_ranking(parse: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    return ((parse.get("response_selector") or {}).get("faq") or {}).get("ranking") or []


def close_entries(parse: Dict[Text, Any]) -> Optional[List[Text]]:
    """The two FAQ entries an FAQ question falls between, or None when the first is clearly ahead."""
    if _intent(parse) != "faq":
        return None
    ranking = _faq_ranking(parse)
    if len(ranking) < 2:
        return None
    first, second = (float(ranked.get("confidence") or 0.0) for ranked in ranking[:2])
    if first >= CLOSE_TOP_BELOW or first - second >= CLOSE_MARGIN or first + second < CLOSE_PAIR_MIN:
        return None
    return [ranked.get("intent_response_key") for ranked in ranking[:2]]


def ask_when_close(parse: Dict[Text, Any]) -> Dict[Text, Any]:
    """An FAQ question between two entries becomes the fallback intent with those entries (CLOSE_KEY): the
    fallback action asks which one is meant. Anything else is returned as it is."""
    entries = close_entries(parse)
    if entries is None:
        return parse
    rewritten = dict(parse)
    rewritten["intent"] = {"name": FALLBACK_INTENT, "confidence": (parse.get("intent") or {}).get("confidence", 0.0)}
    rewritten["intent_ranking"] = [rewritten["intent"]] + list(parse.get("intent_ranking") or [])
    rewritten[CLOSE_KEY] = entries
    return rewritten


def compound_parts(text: Text) -> List[Text]:
    """The message cut at sentence ends, connectives ("另外", "还有") and list numbers ("1." "2、")."""
    if text.startswith("/"):
        return []
    parts = [part.strip(" ，,、") for part in _SPLIT.split(text)]
    return [part for part in parts if len(_CONTENT.findall(part)) >= _MIN_PART_CHARS]


def answer_order(parses: Sequence[Dict[Text, Any]]) -> Optional[List[int]]:
    """Indexes of the parts to handle one after another, or None when the message is one question.

    Two or more parts must be confident, different questions (FAQ entries or tasks); knowledge questions come
    first, and at most one task, last (its form goes on asking). Parts that are greetings, thanks or unclear are
    left out; a message with two tasks is handled whole (one form at a time).
    """
    answered = [i for i, parse in enumerate(parses) if _intent(parse) in ANSWERED_INTENTS]
    labels = [label(parses[i]) for i in answered]
    if len(answered) < 2 or len(set(labels)) < len(labels):
        return None
    tasks = [i for i in answered if _intent(parses[i]) in TASK_INTENTS]
    if len(tasks) > 1:
        return None
    return [i for i in answered if i not in tasks] + tasks
