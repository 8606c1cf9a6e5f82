"""Whole conversations through the trained model, the running Rasa server and the action server.

Customer messages here are phrased differently from the training examples.
"""

import sqlite3
from functools import lru_cache
from typing import List

import pytest
import yaml

from bot.knowledge import KNOWLEDGE_DIR, PROJECT_ROOT, load_knowledge
from tests.conftest import Chat, RasaServer, buttons, response_text, texts

# Messages that mean nothing to a customer-service bot. Which of them a given model scores below the threshold
# varies from one training to the next, so the tests use the ones the current model does not understand.
UNCLEAR_CANDIDATES = ["你懂的", "就那个", "asdfghjkl", "qwerty", "emmm", "xyz abc", "abcdefg", "zzzz"]


@lru_cache(maxsize=1)
def fallback_threshold() -> float:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


@lru_cache(maxsize=1)
def knowledge():
    return load_knowledge(KNOWLEDGE_DIR)


def test_greet_faq_thanks_goodbye(chat: Chat):
    replies = chat.say("您好")
    assert texts(replies) == response_text("utter_greet")
    assert {"title": "转人工", "payload": "/request_human"} in buttons(replies)

    replies = chat.say("你们路由器的保修期一般是几年啊")
    entry = knowledge().entry("warranty_period")
    assert texts(replies) == dict(entry.product_answers)["router"]  # the routers' answer, not every category's
    assert [b["title"] for b in buttons(replies)] == [knowledge().entry(t).title for t in entry.follow_up]

    assert texts(chat.say("好的，谢谢你")) == response_text("utter_thank")
    assert texts(chat.say("拜拜")) == response_text("utter_goodbye")


def test_follow_up_button_answers_its_entry(chat: Chat):
    replies = chat.say("东西寄修要多少天能修好")
    assert texts(replies) == knowledge().entry("processing_time").answer
    follow_up = buttons(replies)[0]
    assert texts(chat.say(follow_up["payload"])) == knowledge().entry("repair_process").answer


def test_every_entry_title_is_understood_as_that_entry(rasa_server: RasaServer):
    """Suggestion and follow-up buttons send a title: it must never fall back or pick another entry."""
    for entry in knowledge().entries:
        parsed = rasa_server.parse(entry.title)
        assert parsed["intent"]["name"] == "faq", entry.title
        assert parsed["intent"]["confidence"] >= fallback_threshold(), entry.title
        assert parsed["response_selector"]["faq"]["response"]["intent_response_key"] == entry.intent


@pytest.fixture(scope="module")
def unclear(rasa_server: RasaServer) -> List[str]:
    """The candidates the model does not understand; at least two, or the model accepts gibberish."""
    found = [t for t in UNCLEAR_CANDIDATES if rasa_server.parse(t)["intent"]["name"] == "nlu_fallback"]
    assert len(found) >= 2, f"the model is confident about gibberish: only {found} fall back"
    return found


def test_most_gibberish_falls_below_the_threshold(unclear: List[str]):
    assert len(unclear) >= len(UNCLEAR_CANDIDATES) // 2, unclear


def test_low_confidence_suggests_entries_then_hands_over(chat: Chat, unclear: List[str]):
    replies = chat.say(unclear[0])
    assert texts(replies) == response_text("utter_did_you_mean")
    suggestions = buttons(replies)
    titles = {entry.title for entry in knowledge().entries}
    assert len(suggestions) == 4
    assert all(b["title"] in titles for b in suggestions[:3])
    assert suggestions[3] == {"title": "转人工", "payload": "/request_human"}

    replies = chat.say(unclear[1])
    assert texts(replies).startswith(response_text("utter_fallback_to_human"))
    assert chat.paused() and chat.ticket().reason == "fallback"


def test_punctuation_alone_is_not_understood_and_gets_no_suggestions(chat: Chat):
    """Nothing to match on: ask again, and hand over to a person on the second miss."""
    assert texts(chat.say("？？？")) == response_text("utter_default")
    replies = chat.say("……")
    assert texts(replies).startswith(response_text("utter_fallback_to_human"))
    assert chat.ticket().reason == "fallback"


def test_a_suggestion_button_answers_the_question(chat: Chat, unclear: List[str]):
    suggestions = buttons(chat.say(unclear[0]))
    picked = suggestions[0]
    entry = next(e for e in knowledge().entries if e.title == picked["title"])
    assert texts(chat.say(picked["payload"])) == entry.answer


@pytest.mark.parametrize(
    "message, entry_id, topic",
    [
        ("TL-WR886N 这款 wifi router 保修期是几年", "warranty_period", "TL-WR886N"),
        ("refund 多久到账啊", "refund_method", None),
        ("ＷＩＦＩ路由器进水了还保修吗", "warranty_exclusions", None),
    ],
)
def test_mixed_and_full_width_text_is_answered(chat: Chat, message: str, entry_id: str, topic):
    entry = knowledge().entry(entry_id)
    assert texts(chat.say(message)) == (dict(entry.product_answers)[topic] if topic else entry.answer)


def test_entities_from_messy_input(rasa_server: RasaServer):
    parsed = rasa_server.parse("我的tl-wr886n路由器，订单号ｔｐ２０２６１１０５００１７，电话138 0013 8000")
    entities = {(e["entity"], e["value"]) for e in parsed["entities"]}
    assert {("product", "TL-WR886N"), ("order_id", "TP202611050017"), ("phone", "13800138000")} <= entities


def test_asking_for_a_person_hands_over(chat: Chat):
    chat.say("帮我转人工客服")
    assert chat.paused()
    ticket = chat.ticket()
    assert (ticket.status, ticket.reason, ticket.channel) == ("waiting", "request", "rest")


def test_bot_challenge_and_out_of_scope(chat: Chat):
    assert texts(chat.say("请问你是真人吗")) == response_text("utter_iamabot")
    assert texts(chat.say("帮我订一张去北京的机票")) == response_text("utter_out_of_scope")


def test_every_customer_message_is_stored(rasa_server: RasaServer):
    chat = Chat(rasa_server)
    said = ["你好", "退款会退到哪里", "谢谢"]
    for text in said:
        chat.say(text)
    with sqlite3.connect(rasa_server.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (chat.sender,)
        ).fetchall()
    assert [yaml.safe_load(row[0])["text"] for row in rows] == said
