"""bot.nlu.handoff_keywords: asking for a person in so many words, but not only on a condition."""

import pytest

from bot.nlu.handoff_keywords import asks_for_person


@pytest.mark.parametrize("text", ["帮我转个人工", "退款没到账 TP202611010088 帮我转个人工", "不想跟机器人说话 给我找个真人",
                                  "talk to a human please", "转人工！要是今天还不处理我就投诉"])
def test_asking_for_a_person(text):
    assert asks_for_person(text)


@pytest.mark.parametrize("text", ["我的维修单WX2026110519啥情况了 要是还没修好我就直接找人工", "不然我找人工了",
                                  "if it is not fixed i will talk to a human", "人工客服几点下班", "你们人工几点下班"])
def test_a_condition_or_a_question_about_people_is_not_a_request(text):
    assert not asks_for_person(text)
