from sqlalchemy import select

from bot.actions.repair_requests import (
    ActionAskRepairConfirmed,
    ActionSubmitRepairRequest,
    ValidateRepairRequestForm,
)
from bot.store.db import transaction
from bot.store.models import Repair
from tests.actions.conftest import next_question, phones, responses, run, tracker, verified

FORM = "repair_request_form"


def test_contact_phone_must_be_the_owners(database, ids):
    base = {"serial_number": ids.device_out, "fault_description": "无法开机了"}
    current = tracker(slots=base, new={"contact_phone": ids.zhang_phone}, form=FORM, requested="contact_phone")
    slots, messages = run(ValidateRepairRequestForm(), current)
    assert slots["contact_phone"] is None and slots["verification_failures"] == 1
    assert messages[0]["response"] == "utter_contact_phone_mismatch"
    current = tracker(slots=base, new={"contact_phone": "139-1234-5678"}, form=FORM, requested="contact_phone")
    slots, _ = run(ValidateRepairRequestForm(), current)
    assert slots["contact_phone"] == ids.li_phone and phones(slots) == [ids.li_phone]
    assert next_question(current, slots) == "repair_confirmed"


def test_verified_owner_is_not_asked_for_a_phone(database, ids):
    current = tracker(slots={"verified_phones": verified(ids.li_phone), "serial_number": ids.device_out},
                      new={"fault_description": "指示灯不亮"}, form=FORM, requested="fault_description")
    slots, _ = run(ValidateRepairRequestForm(), current)
    assert next_question(current, slots) == "repair_confirmed"


def test_short_fault_description_is_asked_again(database, ids):
    current = tracker(slots={"serial_number": ids.device_out}, new={"fault_description": "坏"}, form=FORM,
                      requested="fault_description")
    slots, messages = run(ValidateRepairRequestForm(), current)
    assert slots["fault_description"] is None and responses(messages) == ["utter_text_too_short"]


def test_confirmation_shows_masked_details(database, ids):
    _, [message] = run(ActionAskRepairConfirmed(), tracker(slots={
        "serial_number": ids.device_in, "fault_description": "无法开机", "contact_phone": ids.zhang_phone}))
    assert message["masked_contact_phone"] == "138****8000" and "TL-WR886N" in message["product_name"]


def submit(ids, serial, phone):
    return run(ActionSubmitRepairRequest(), tracker(sender="repair-chat", slots={
        "serial_number": serial, "fault_description": "频繁断线", "contact_phone": phone,
        "repair_confirmed": True, "verified_phones": verified(phone, sender="repair-chat")}))


def test_in_warranty_request_is_filed_free(database, ids):
    with transaction() as session:  # the device's open repair is closed first
        session.get(Repair, ids.repair).status = "completed"
    slots, [message] = submit(ids, ids.device_in, ids.zhang_phone)
    assert message["response"] == "utter_repair_submitted" and "免费维修" in message["cost"]
    assert slots["serial_number"] is None and slots["repair_confirmed"] is None
    with transaction() as session:
        repair = session.get(Repair, message["repair_id"])
        assert repair.status == "submitted" and repair.in_warranty == 1 and repair.conversation_id == "repair-chat"
        assert [e.status for e in repair.history] == ["submitted"]


def test_out_of_warranty_request_is_paid(database, ids):
    _, [message] = submit(ids, ids.device_out, ids.li_phone)
    assert "付费维修" in message["cost"] and message["repair_id"].startswith("WX")


def test_a_device_with_an_open_repair_ends_the_form_at_once(database, ids):
    current = tracker(new={"serial_number": ids.device_in.lower()}, form=FORM, requested="serial_number")
    slots, _ = run(ValidateRepairRequestForm(), current)
    assert slots["requested_slot"] is None and next_question(current, slots) is None
    _, [message] = run(ActionSubmitRepairRequest(), tracker(slots={"serial_number": ids.device_in.lower()}))
    assert message["response"] == "utter_repair_already_open" and "repair_id" not in message
    with transaction() as session:
        assert len(session.execute(select(Repair)).scalars().all()) == 1


def test_nothing_is_filed_for_an_unverified_customer(database, ids):
    _, messages = run(ActionSubmitRepairRequest(), tracker(slots={
        "serial_number": ids.device_out, "fault_description": "频繁断线", "repair_confirmed": True}))
    assert messages == []


def test_a_device_back_from_repair_can_be_repaired_again(database, ids):
    with transaction() as session:  # the device is back with the customer: that repair is over for them
        session.get(Repair, ids.repair).status = "shipped_back"
    current = tracker(new={"serial_number": ids.device_in}, form=FORM, requested="serial_number")
    slots, _ = run(ValidateRepairRequestForm(), current)
    assert next_question(current, slots) == "fault_description"
    _, [message] = submit(ids, ids.device_in, ids.zhang_phone)
    assert message["response"] == "utter_repair_submitted"


def test_an_out_of_warranty_device_is_said_to_be_paid_when_its_serial_is_given(database, ids):
    current = tracker(new={"serial_number": ids.device_out}, form=FORM, requested="serial_number")
    slots, messages = run(ValidateRepairRequestForm(), current)
    assert slots["serial_number"] == ids.device_out and responses(messages) == ["utter_repair_out_of_warranty"]
    assert messages[0]["ends_on"].startswith("20") and next_question(current, slots) == "fault_description"
    current = tracker(new={"serial_number": ids.device_in}, form=FORM, requested="serial_number")
    _, messages = run(ValidateRepairRequestForm(), current)  # in warranty (and already under repair): nothing said
    assert messages == []
