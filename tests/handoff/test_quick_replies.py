"""Quick replies kept by supervisors, on SQLite and PostgreSQL: validated, unique by title, the starter set once."""

import pytest

from bot.handoff import quick_replies
from bot.handoff.agents import create_agent
from bot.handoff.quick_replies import QuickReplyError
from bot.store.db import transaction


def titles():
    with transaction() as session:
        return [q.title for q in quick_replies.quick_replies(session)]


def test_created_changed_and_deleted_by_title_order(database):
    with transaction() as session:
        editor = create_agent(session, "lead", "组长", "correct horse")
        late = quick_replies.create(session, "  结束语 ", " 感谢您的耐心，祝您生活愉快！\n", editor.id)
        quick_replies.create(session, "问候", "您好，请问有什么可以帮您？", editor.id)
        assert (late.title, late.text, late.editor.display_name) == ("结束语", "感谢您的耐心，祝您生活愉快！", "组长")
        late_id = late.id
    assert titles() == sorted(["结束语", "问候"])
    with transaction() as session:
        changed = quick_replies.change(session, late_id, "告别", "再见，祝您愉快！", None)
        assert changed.updated_by is None
    assert "告别" in titles() and "结束语" not in titles()
    with transaction() as session:
        quick_replies.delete(session, late_id)
    assert titles() == ["问候"]
    with transaction() as session, pytest.raises(LookupError):
        quick_replies.delete(session, late_id)
    with transaction() as session, pytest.raises(LookupError):
        quick_replies.change(session, late_id, "告别", "再见", None)


@pytest.mark.parametrize("title, text, reason", [
    ("", "内容", "标题不能为空，且不超过 30 字"),
    ("   ", "内容", "标题不能为空，且不超过 30 字"),
    ("长" * 31, "内容", "标题不能为空，且不超过 30 字"),
    ("/问候", "内容", "标题不需要以“/”开头：在回复框输入“/”加标题即可找到"),
    ("问候", " \n ", "内容不能为空，且不超过 2000 字"),
    ("问候", "字" * 2001, "内容不能为空，且不超过 2000 字"),
])
def test_a_bad_quick_reply_is_refused_with_the_reason(database, title, text, reason):
    with transaction() as session, pytest.raises(QuickReplyError) as refused:
        quick_replies.create(session, title, text, None)
    assert str(refused.value) == reason
    assert titles() == []


def test_titles_are_unique_but_a_reply_keeps_its_own(database):
    with transaction() as session:
        first = quick_replies.create(session, "请稍等", "请您稍等", None).id
        second = quick_replies.create(session, "核实身份", "请提供手机号后 4 位", None).id
    with transaction() as session, pytest.raises(QuickReplyError, match="已有标题为“请稍等”的快捷回复"):
        quick_replies.create(session, "请稍等", "另一条", None)
    with transaction() as session, pytest.raises(QuickReplyError, match="已有标题为“请稍等”的快捷回复"):
        quick_replies.change(session, second, "请稍等", "另一条", None)
    with transaction() as session:
        assert quick_replies.change(session, first, "请稍等", "请您稍等片刻", None).text == "请您稍等片刻"


def test_the_list_has_a_limit(database, monkeypatch):
    monkeypatch.setattr(quick_replies, "MAX_QUICK_REPLIES", 2)
    with transaction() as session:
        quick_replies.create(session, "一", "1", None)
        quick_replies.create(session, "二", "2", None)
    with transaction() as session, pytest.raises(QuickReplyError, match="快捷回复最多 2 条"):
        quick_replies.create(session, "三", "3", None)


def test_the_starter_set_fills_an_empty_list_only(database):
    with transaction() as session:
        assert quick_replies.add_defaults(session) == len(quick_replies.DEFAULTS)
    with transaction() as session:
        assert quick_replies.add_defaults(session) == 0
    assert sorted(titles()) == sorted(title for title, _ in quick_replies.DEFAULTS)
    assert all("您" in text for _, text in quick_replies.DEFAULTS)
