"""tools.evaluation_conversations: the conversation files, grading a reply, the per-category table."""

from pathlib import Path

import pytest

from tools import evaluation_conversations as ev


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "set.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_projects_conversation_sets_load_with_a_held_out_third():
    conversations = ev.load_conversations()
    assert {c.split for c in conversations} == {"dev", "held_out", "held_out_b"}
    assert {c.category for c in conversations} == set(ev.CATEGORIES)
    assert len(conversations) >= 80 and sum(len(c.turns) for c in conversations) >= 250  # issue 15
    held_out = [c for c in conversations if c.split == "held_out"]
    assert {c.category for c in held_out} == set(ev.CATEGORIES) and len(held_out) >= 30
    second = [c for c in conversations if c.split == "held_out_b"]
    assert {c.category for c in second} == set(ev.CATEGORIES) and len(second) >= 25


def test_range_dashes_are_one_dash_for_the_checks():
    assert ev.comparable("3–5 个工作日，7—10 天，1～2 天") == "3-5 个工作日，7-10 天，1-2 天"


@pytest.mark.parametrize("body, error", [
    ("conversations: [{id: a, category: nope, turns: [{user: hi, expect: [x]}]}]", "category must be one of"),
    ("conversations: [{id: a, category: context, turns: [{user: hi}]}]", "at least one `expect`"),
    ("conversations: [{id: a, category: context, turns: [{user: hi, click: b, expect: [x]}]}]", "either `user`"),
    ("conversations: [{id: a, category: context, turns: [{user: hi, expect: ['(']}]}]", "bad regular expression"),
    ("nothing: here", "expected a mapping"),
])
def test_a_malformed_file_is_named_with_the_reason(tmp_path: Path, body: str, error: str):
    with pytest.raises(ev.ConversationFileError, match=error.replace("(", r"\(")):
        ev.load_conversations(_write(tmp_path, body))


def test_a_turn_is_right_when_every_expectation_matches_and_no_rejection(tmp_path: Path):
    conversation = ev.load_conversations(_write(tmp_path, """
conversations:
  - id: c1
    category: context
    turns:
      - user: '8000'
        expect: ['SF\\d+', '顺丰']
        reject: ['评分']
"""))[0]
    turn = conversation.turns[0]
    assert turn.message == "8000"
    reply = ev.reply_text([{"text": "顺丰速运 SF1234567890", "buttons": [{"title": "转人工", "payload": "/x"}]}])
    assert reply == "顺丰速运 SF1234567890\n转人工"
    right = ev.TurnOutcome(conversation, 0, "8000", reply)
    ev.grade(right, turn)
    assert right.right
    wrong = ev.TurnOutcome(conversation, 0, "8000", "请为本次服务评分")
    ev.grade(wrong, turn)
    assert not wrong.right and wrong.missing == ["SF\\d+", "顺丰"] and wrong.unwanted == ["评分"]
    table = ev.scores([right, wrong])
    assert table == {"set": {"context": (1, 2), "all": (1, 2)}}  # the split defaults to the file name
