"""A customer's side of the hand-off over the REST channel of the real Rasa server."""

from bot.handoff import tickets
from bot.handoff.agents import create_agent
from bot.store.db import get_engine, transaction
from tests.conftest import Chat, response_text, texts


def test_cancelling_while_waiting_returns_to_the_bot(chat: Chat):
    chat.say("转人工")
    assert chat.paused()
    assert texts(chat.say("不用了")) == response_text("utter_handoff_cancelled")
    assert not chat.paused() and chat.ticket().close_reason == "cancelled_by_customer"
    assert "保修" in texts(chat.say("保修期多久"))  # the bot answers again


def test_the_first_waiting_message_is_acknowledged_and_later_ones_recorded_with_a_reminder_at_most_once_a_minute(
        chat: Chat):
    chat.say("转人工")
    first = texts(chat.say("路由器一直掉线，重启也没用"))
    assert first == response_text("utter_handoff_message_left") or first.startswith("消息已收到")
    assert chat.say("还在吗") == []  # told where they stand a moment ago
    customer_texts = [e["text"] for e in chat.server.tracker(chat.sender)["events"] if e["event"] == "user"]
    assert customer_texts[-2:] == ["路由器一直掉线，重启也没用", "还在吗"]
    again = texts(chat.say("转人工"))  # asking for a person again is always answered
    assert again.startswith("您补充的内容已记入留言") or again.startswith("您的消息已收到")
    assert chat.paused() and chat.ticket().status == "waiting"


def test_while_waiting_the_bot_still_answers_knowledge_questions_and_look_ups(chat: Chat, ids):
    chat.say("转人工")
    position = chat.ticket().id
    assert "18:00" in texts(chat.say("你们人工几点下班"))
    assert chat.paused()  # the bot was resumed for that one answer only
    reply = texts(chat.say(f"就是问个保修 {ids.device_out}"))
    assert "已过保修期" in reply and "TL-WDR5620" in reply
    assert chat.paused() and chat.ticket().status == "waiting" and chat.ticket().id == position
    first = texts(chat.say("麻烦尽快回电，路由器一直掉线"))  # for the agent: acknowledged, not answered
    assert first == response_text("utter_handoff_message_left") or first.startswith("消息已收到")


def test_restart_does_not_take_the_conversation_from_the_agent(chat: Chat):
    chat.say("转人工")
    assert texts(chat.say("/restart")) == response_text("utter_restart_during_handoff")
    assert chat.paused() and chat.ticket().status == "waiting"
    reply = texts(chat.say("你好"))  # still with the hand-off, not the bot: acknowledged for the agent
    assert "留言已收到" in reply or "消息已收到" in reply


def test_keywords_transfer_at_once(chat: Chat):
    chat.say("你们再不处理我就找律师了")
    assert chat.paused() and chat.ticket().reason == "keyword"


def test_accepting_a_person_after_a_complaint(chat: Chat, ids):
    chat.say("我要投诉")
    chat.say("快递员态度很差，还乱扔包裹")
    chat.say("没有")
    chat.say(ids.zhang_phone)
    chat.say("好的")
    assert chat.paused() and chat.ticket().reason == "complaint"


def test_declining_a_person_after_a_complaint(chat: Chat, ids):
    for text in ("我要投诉", "快递员态度很差，还乱扔包裹", "没有", ids.zhang_phone):
        chat.say(text)
    assert texts(chat.say("不用了")) == response_text("utter_anything_else")
    assert not chat.paused() and chat.ticket() is None


def test_a_ticket_closed_without_the_console_resumes_the_bot_on_the_next_message(chat: Chat):
    """E.g. the server stopped between closing the ticket and resuming the bot."""
    chat.say("转人工")
    with transaction(get_engine(chat.server.database)) as session:
        agent = create_agent(session, f"rater-{chat.sender}", "小李", "correct horse 42")
        ticket = tickets.open_ticket_for(session, chat.sender)
        tickets.claim(session, ticket.id, agent.id)
        tickets.close(session, ticket.id, agent.id)
    assert chat.paused()
    replies = texts(chat.say('/rate_service{"rating":"2"}'))
    assert replies.startswith(response_text("utter_handoff_resumed"))
    assert replies.endswith(response_text("utter_rating_sorry").replace("{rating}", "2"))
    assert chat.ticket().rating == 2 and not chat.paused()


def test_only_a_task_begun_after_the_hand_off_is_the_bots_to_go_on_with():
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet

    from bot.handoff.gate import task_begun_while_waiting

    before = [ActiveLoop("order_status_form"), ActionExecuted("action_handoff"), ActionExecuted("action_listen")]
    assert not task_begun_while_waiting(before)
    during = before + [ActionExecuted("warranty_form"), ActiveLoop("warranty_form"), SlotSet("requested_slot", "x")]
    assert task_begun_while_waiting(during)
    assert not task_begun_while_waiting(during + [ActiveLoop(None)])
    assert not task_begun_while_waiting([])
