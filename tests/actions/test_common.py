import pytest

from bot.actions.common import free_text_answer, matches_phone
from tests.actions.conftest import tracker


@pytest.mark.parametrize(
    "text, intent, taken",
    [
        ("质量有问题", "faq", True),  # an answer that looks like an FAQ topic
        ("收到后第3个网口不亮", "inform", True),
        ("不想要了", "nlu_fallback", True),
        ("退款多久到账？", "faq", False),  # a question: answered by the FAQ rule, then asked again
        ("保修包括哪些问题", "faq", False),
        ("算了", "deny", False),
        ("转人工", "request_human", False),
        ("/affirm", "affirm", False),
    ],
)
def test_free_text_answers(text, intent, taken):
    current = tracker(form="return_form", requested="return_reason", text=text, intent=intent)
    assert free_text_answer(current, "return_reason") == ({"return_reason": text} if taken else {})


def test_free_text_only_for_the_requested_slot():
    current = tracker(form="return_form", requested="return_kind", text="质量有问题")
    assert free_text_answer(current, "return_reason") == {}


@pytest.mark.parametrize(
    "given, expected",
    [("8000", True), ("尾号8000", True), ("８０００", True), ("13800138000", True), ("138 0013 8000", True),
     ("1234", False), ("13912345678", False), ("800", None), ("不知道", None), ("8000 1234", None), (None, None)],
)
def test_matches_phone(given, expected):
    assert matches_phone(given, "13800138000") is expected


def test_a_confirmation_is_sent_only_after_the_commit(database):
    """Nothing is confirmed that was not stored: a write that fails at commit gets only the apology."""
    from datetime import datetime, timezone

    from sqlalchemy import func, select

    from bot.actions.common import FormResultAction
    from bot.store.db import transaction
    from bot.store.models import Complaint
    from tests.actions.conftest import responses, run

    class FileBrokenComplaint(FormResultAction):
        form = "complaint_form"
        refuse_when_locked = False

        def name(self):
            return "action_file_broken_complaint"

        def respond(self, session, tracker):
            session.add(Complaint(complaint_id="TS2026999999", description="x", status="not-a-status",
                                  created_at=datetime.now(timezone.utc)))
            return [{"response": "utter_complaint_submitted", "complaint_id": "TS2026999999"}]

    _, messages = run(FileBrokenComplaint(), tracker())
    assert responses(messages) == ["utter_service_unavailable"]
    with transaction() as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar() == 0
