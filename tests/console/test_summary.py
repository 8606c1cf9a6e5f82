"""The bot's summary in the console, after a real conversation on the real server: what the bot understood, what
the customer gave (a look-up form empties its slots, the summary keeps them) and whether they proved their phone."""

from tests.conftest import Chat


def test_the_summary_after_an_order_look_up_shows_the_order_and_the_verified_phone(chat: Chat, new_agent, ids):
    agent = new_agent()
    chat.say("我的订单一直没到")
    chat.say(ids.shipped)
    chat.say("8000")  # the phone's last four digits, as asked (the classifier alone reads it as a rating)
    chat.say("还是不行，转人工")
    summary = agent.get(f"/tickets/{chat.ticket().id}").json()["summary"]
    assert summary["intents"] == ["查订单", "提供信息", "转人工"]  # no "评价"
    assert summary["slots"] == {"订单号": ids.shipped}
    assert summary["identifiers"] == {"订单号": [ids.shipped]}
    assert summary["verified"] == ["138****8000"]


def test_an_unverified_customer_is_shown_as_such(chat: Chat, new_agent):
    agent = new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    detail = agent.get(f"/tickets/{ticket_id}").json()
    assert (detail["summary"]["verified"], detail["summary"]["slots"], detail["summary"]["intents"]) == \
        ([], {}, ["转人工"])
    assert detail["ticket"]["customer"] == f"网页/API访客 #{ticket_id}"  # not a cut-off session id
