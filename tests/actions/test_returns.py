from sqlalchemy import select

from bot.actions.returns import ActionSubmitReturn, ValidateReturnForm
from bot.store.db import transaction
from bot.store.models import ReturnRequest
from tests.actions.conftest import next_question, phones, responses, run, tracker, verified

FORM = "return_form"


def test_eligible_order_asks_kind_then_reason(database, ids):
    current = tracker(slots={"verified_phones": verified(ids.zhang_phone)}, new={"order_id": ids.returnable}, form=FORM,
                      requested="order_id")
    slots, _ = run(ValidateReturnForm(), current)
    assert next_question(current, slots) == "return_kind"
    current = tracker(slots={"order_id": ids.returnable, "verified_phones": verified(ids.zhang_phone)},
                      new={"return_kind": "我要换货"}, form=FORM, requested="return_kind")
    slots, _ = run(ValidateReturnForm(), current)
    assert slots["return_kind"] == "exchange" and next_question(current, slots) == "return_reason"


def test_ineligible_order_ends_the_form_after_verification(database, ids):
    current = tracker(slots={"order_id": ids.too_old}, new={"phone_last4": "5678"}, form=FORM,
                      requested="phone_last4")
    slots, _ = run(ValidateReturnForm(), current)
    assert phones(slots) == [ids.li_phone] and next_question(current, slots) is None
    _, [message] = run(ActionSubmitReturn(), tracker(slots={"order_id": ids.too_old,
                                                           "verified_phones": verified(ids.li_phone)}))
    assert message["response"] == "utter_return_window_passed" and "年" in message["deadline"]
    assert message["items"].startswith("TP-LINK") and "×" in message["items"]  # the customer sees which goods


def test_undelivered_order_is_explained(database, ids):
    _, [message] = run(ActionSubmitReturn(), tracker(slots={"order_id": ids.pending,
                                                           "verified_phones": verified(ids.li_phone)}))
    assert message["response"] == "utter_return_not_delivered" and message["status"] == "待付款"


def test_return_is_filed_once(database, ids):
    slots = {"order_id": ids.returnable, "verified_phones": verified(ids.zhang_phone), "return_kind": "return",
             "return_reason": "买多了，不需要了"}
    _, [message] = run(ActionSubmitReturn(), tracker(slots=slots))
    assert message["response"] == "utter_return_submitted" and message["kind"] == "退货"
    assert "原路退回" in message["refund_note"]
    _, [again] = run(ActionSubmitReturn(), tracker(slots=slots))
    assert again["response"] == "utter_return_already_requested" and again["return_id"] == message["return_id"]
    with transaction() as session:
        [request] = session.execute(select(ReturnRequest)).scalars().all()
        assert (request.kind, request.reason, request.status) == ("return", "买多了，不需要了", "submitted")


def test_kind_must_be_return_or_exchange(database, ids):
    current = tracker(slots={"order_id": ids.returnable, "verified_phones": verified(ids.zhang_phone)},
                      new={"return_kind": "随便"}, form=FORM, requested="return_kind")
    slots, messages = run(ValidateReturnForm(), current)
    assert slots["return_kind"] is None and responses(messages) == ["utter_invalid_return_kind"]
