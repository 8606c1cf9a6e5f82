from bot.actions.complaints import ActionSubmitComplaint, ValidateComplaintForm
from bot.actions.forms import ActionStopForm
from bot.store.db import transaction
from bot.store.models import Complaint
from tests.actions.conftest import next_question, responses, run, tracker

FORM = "complaint_form"


def test_order_is_optional(database, ids):
    current = tracker(slots={"complaint_description": "快递员态度很差"}, new={"complaint_order": "没有订单"},
                      form=FORM, requested="complaint_order")
    slots, _ = run(ValidateComplaintForm(), current)
    assert slots["complaint_order"] == "none" and next_question(current, slots) == "contact_phone"
    current = tracker(slots={"complaint_description": "快递员态度很差"}, new={"complaint_order": ids.shipped},
                      form=FORM, requested="complaint_order")
    assert run(ValidateComplaintForm(), current)[0]["complaint_order"] == ids.shipped


def test_order_named_in_the_complaint_is_not_asked_again(database, ids):
    current = tracker(slots={"order_id": ids.shipped}, new={"complaint_description": "发货太慢了"}, form=FORM,
                      requested="complaint_description")
    slots, _ = run(ValidateComplaintForm(), current)
    assert next_question(current, slots) == "contact_phone"


def test_complaint_is_filed_with_a_ticket(database, ids):
    slots, [message] = run(ActionSubmitComplaint(), tracker(sender="c-9", slots={
        "complaint_description": "维修了三次还没好", "complaint_order": "none", "contact_phone": ids.zhang_phone}))
    assert message["response"] == "utter_complaint_submitted" and message["masked_phone"] == "138****8000"
    with transaction() as session:
        complaint = session.get(Complaint, message["complaint_id"])
        assert complaint.customer_id is not None and complaint.order_id is None and complaint.status == "open"
    assert slots["complaint_description"] is None


def test_bad_contact_phone(database):
    current = tracker(slots={"complaint_description": "服务很差", "complaint_order": "none"},
                      new={"contact_phone": "12345"}, form=FORM, requested="contact_phone")
    assert responses(run(ValidateComplaintForm(), current)[1]) == ["utter_invalid_contact_phone"]


def test_stopping_a_form_clears_its_slots():
    current = tracker(slots={"order_id": "TP202611050017", "phone_last4": "verified"}, form="order_status_form")
    slots, messages = run(ActionStopForm(), current)
    assert responses(messages) == ["utter_form_stopped"]
    assert slots == {"requested_slot": None, "order_id": None, "phone_last4": None}


def test_no_order_from_the_button_or_a_deny(database):
    current = tracker(slots={"complaint_description": "服务很差"}, new={"complaint_order": "none"}, form=FORM,
                      requested="complaint_order")
    slots, messages = run(ValidateComplaintForm(), current)
    assert slots["complaint_order"] == "none" and messages == []
