"""The conversations the load generator replays: what customers of the demo records would really say.

A turn is `faq` when the bot answers from NLU alone (the intent and the FAQ entry), `transactional` when it runs
custom actions (forms, validation, look-ups in the business database through the action server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

FAQ, TRANSACTIONAL, STOCK = "faq", "transactional", "stock"


@dataclass(frozen=True)
class Turn:
    text: str
    kind: str


# Orders of the demo records (bot/store/demo_records.yml) with the last 4 digits of their customer's phone.
_ORDERS: List[Tuple[str, str]] = [("TP202611050017", "8000"), ("TP202611180056", "5678")]
_FAQ_QUESTIONS = ["保修期多久", "退款多久能到账", "维修的设备怎么寄过去", "一直没收到货怎么办", "客服几点上班",
                  "哪些情况不保修"]


def tp_conversation(number: int) -> List[Turn]:
    """Ten turns: greeting, FAQ, an order look-up with phone verification, another look-up, more FAQ, goodbye."""
    order, last4 = _ORDERS[number % len(_ORDERS)]
    other, _ = _ORDERS[(number + 1) % len(_ORDERS)]
    first, second, third = (_FAQ_QUESTIONS[(number + k) % len(_FAQ_QUESTIONS)] for k in range(3))
    return [
        Turn("你好", FAQ),
        Turn(first, FAQ),
        Turn("帮我查一下订单", TRANSACTIONAL),
        Turn(order, TRANSACTIONAL),
        Turn(last4, TRANSACTIONAL),
        Turn(second, FAQ),
        Turn(f"再查一下{order}", TRANSACTIONAL),
        Turn(third, FAQ),
        Turn("谢谢", FAQ),
        Turn("再见", FAQ),
    ]


def stock_conversation(number: int) -> List[Turn]:
    """Ten turns for Rasa's `rasa init` assistant (moodbot), all from its own training data and stories or rules,
    so that every turn gets a reply: a sad path, the bot challenge, a happy path, goodbyes."""
    mood = ["I am sad", "very sad", "not good"][number % 3]
    return [Turn(text, STOCK) for text in
            ("hello", mood, "yes", "are you a bot?", "hey there", "I am feeling very good", "am I talking to a bot?",
             "are you a human?", "bye", "goodbye")]
