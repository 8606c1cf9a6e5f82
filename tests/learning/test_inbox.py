"""The knowledge team's inbox on SQLite and PostgreSQL: the same question in other spellings is one group, the most
asked first; dismissed questions leave the list."""

from datetime import datetime, timedelta, timezone

from bot.learning import inbox
from bot.learning.inbox import normalised
from bot.store.db import transaction
from bot.store.models import UnansweredQuestion


def asked(session, text, reason="fallback", intent=None, days_ago=0):
    question = UnansweredQuestion(conversation_id="c", text=text, reason=reason, intent=intent,
                                  created_at=datetime.now(timezone.utc) - timedelta(days=days_ago))
    session.add(question)
    session.flush()
    return question.id


def test_spellings_of_one_question_are_one():
    assert normalised("能开发票吗？") == normalised("能开发票吗") == normalised("能开 发票") == "能开发票"
    assert normalised("ＴＰ路由器　多少钱呢") == "tp路由器多少钱"


def test_questions_are_grouped_most_asked_first(database):
    with transaction() as session:
        for text in ("能开发票吗？", "能开发票吗", "可以开发票吗", "能不能开发票"):
            asked(session, text, intent="faq/payment_methods")
        asked(session, "你们门店地址在哪", reason="out_of_scope")
        asked(session, "门店地址在哪里", reason="out_of_scope")
        asked(session, "很久以前的问题", days_ago=200)  # outside the window
        groups = inbox.open_groups(session)
    # "能不能开发票" shares enough of 能开发票 to join it; "可以开发票吗" does not (a person merges it, or not);
    # a group is shown by its most frequent wording, the newest of equals
    assert [(g.text, g.count) for g in groups] == [("能开发票吗", 3), ("门店地址在哪里", 2), ("可以开发票吗", 1)]
    first = groups[0]
    assert first.guess == "faq/payment_methods" and first.reasons == {"fallback"}
    assert "能开发票吗？" in first.examples


def test_a_dismissed_group_leaves_the_list(database):
    with transaction() as session:
        ids = [asked(session, "哈哈哈"), asked(session, "哈哈哈哈")]
        kept = asked(session, "发票怎么开")
    with transaction() as session:
        assert inbox.dismiss(session, ids, None) == 2
        assert inbox.dismiss(session, ids, None) == 0  # already handled
        assert [g.ids for g in inbox.open_groups(session)] == [[kept]]
