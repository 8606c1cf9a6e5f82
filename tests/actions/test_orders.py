import pytest

from bot.actions.orders import OrderStatusResult, ValidateOrderStatusForm
from tests.actions.conftest import next_question, phones, responses, run, run_events, tracker, verified

FORM = "order_status_form"


def ask_order(value, **slots):
    current = tracker(slots=slots, new={"order_id": value}, form=FORM, requested="order_id")
    found, messages = run(ValidateOrderStatusForm(), current)
    return found, messages, next_question(current, found)


@pytest.mark.parametrize("typed", ["TP123", "我的订单号忘了"])
def test_malformed_order_number_is_asked_again_with_an_example(database, typed):
    slots, messages, asked = ask_order(typed)
    assert slots["order_id"] is None and asked == "order_id"
    assert responses(messages) == ["utter_invalid_order_id"]


@pytest.mark.parametrize("typed, given", [("13800138000", "手机号"), ("SN7K2M9Q4X1B", "设备序列号"),
                                          ("维修单WX2026110342", "维修单号")])
def test_another_identifier_where_the_order_number_was_asked_is_named(database, typed, given):
    slots, messages, asked = ask_order(typed)
    assert slots["order_id"] is None and asked == "order_id"
    assert responses(messages) == ["utter_not_an_order_id"] and messages[0]["given"] == given


def test_unknown_order_is_said_clearly(database):
    slots, messages, asked = ask_order("TP209901010001")
    assert slots["order_id"] is None
    assert messages[0]["response"] == "utter_order_not_found" and messages[0]["order_id"] == "TP209901010001"


def test_known_order_asks_for_the_phone_digits(database, ids):
    slots, messages, asked = ask_order(ids.shipped.lower().replace("tp", "tp "))
    assert slots["order_id"] == ids.shipped and asked == "phone_last4"
    assert messages == []


def verify(ids, answer, slots=None):
    current = tracker(slots={"order_id": ids.shipped, **(slots or {})}, new={"phone_last4": answer},
                      form=FORM, requested="phone_last4")
    found, messages = run(ValidateOrderStatusForm(), current)
    return found, messages, next_question(current, found)


def test_right_digits_verify_the_phone_and_the_same_call_shows_the_order(database, ids):
    events, messages = run_events(ValidateOrderStatusForm(), tracker(
        slots={"order_id": ids.shipped}, new={"phone_last4": "8000"}, form=FORM, requested="phone_last4"))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert phones(slots) == [ids.zhang_phone] and slots["requested_slot"] is None  # the form is complete
    assert {"event": "slot", "timestamp": None, "name": "phone_last4", "value": "verified"} in events
    assert "8000" not in [e.get("value") for e in events]  # the digits themselves are not kept
    assert responses(messages) == ["utter_order_details"] and messages[0]["order_id"] == ids.shipped
    assert slots["order_id"] is None and slots["phone_last4"] is None  # the next look-up starts afresh


def test_the_whole_phone_number_also_verifies(database, ids):
    slots, _, asked = verify(ids, "手机是138 0013 8000")
    assert phones(slots) == [ids.zhang_phone]


def test_wrong_digits_count_and_tell_attempts_left(database, ids):
    slots, messages, asked = verify(ids, "1234")
    assert slots["verification_failures"] == 1 and asked == "phone_last4"
    assert messages[0]["response"] == "utter_verification_failed" and messages[0]["attempts_left"] == 2
    assert "verified_phones" not in slots


def test_input_that_is_not_digits_does_not_count(database, ids):
    slots, messages, asked = verify(ids, "不记得了")
    assert responses(messages) == ["utter_invalid_phone_last4"] and "verification_failures" not in slots


HANDOFF = {"event": "followup", "timestamp": None, "name": "action_handoff"}


def test_third_failure_locks_lookups(database, ids):
    verify(ids, "1234")
    verify(ids, "4321")
    events, messages = run_events(ValidateOrderStatusForm(), tracker(
        slots={"order_id": ids.shipped}, new={"phone_last4": "1111"}, form=FORM, requested="phone_last4"))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["lookups_locked"] is True and slots["requested_slot"] is None
    assert responses(messages) == ["utter_lookups_locked"] and HANDOFF in events  # the form ends with the lock said
    events, messages = run_events(OrderStatusResult(),
                                  tracker(slots={"order_id": ids.shipped, "lookups_locked": True}))
    assert responses(messages) == ["utter_lookups_still_locked"]  # asked again: one verification ticket only
    assert HANDOFF not in events


def test_the_lock_survives_a_restart_and_holds_for_the_record_in_other_conversations(database, ids, monkeypatch):
    monkeypatch.setenv("TP_VERIFICATION_RECORD_ATTEMPTS", "3")
    for wrong in ("1234", "4321", "1111"):
        verify(ids, wrong)
    # /restart or a new session: the slots are gone, the count is not
    _, messages, asked = verify(ids, "8000")
    assert asked is None
    slots, _ = run(OrderStatusResult(), tracker(slots={"order_id": ids.shipped}))
    assert slots.get("lookups_locked") is True
    # another conversation (a new REST sender, a new widget session) trying the same customer's order
    other = tracker(slots={"order_id": ids.returnable}, new={"phone_last4": "8000"}, form=FORM,
                    requested="phone_last4", sender="someone-else")
    found, _ = run(ValidateOrderStatusForm(), other)
    assert "verified_phones" not in found  # the right digits are not even checked while the phone is locked


def test_one_verification_ticket_per_customer_per_window(database, ids, monkeypatch):
    monkeypatch.setenv("TP_VERIFICATION_RECORD_ATTEMPTS", "3")
    for wrong in ("1234", "4321"):
        verify(ids, wrong)
    first, messages = run_events(ValidateOrderStatusForm(), tracker(
        slots={"order_id": ids.shipped}, new={"phone_last4": "1111"}, form=FORM, requested="phone_last4"))
    assert HANDOFF in first and responses(messages) == ["utter_lookups_locked"]
    # "不用了" cancelled the ticket, then more guesses in a new conversation: no second ticket
    again, messages = run_events(OrderStatusResult(), tracker(slots={"order_id": ids.shipped}, sender="fresh-1"))
    assert HANDOFF not in again and responses(messages) == ["utter_lookups_still_locked"]


def test_locked_conversation_cannot_start_another_lookup(database, ids):
    slots, messages, asked = ask_order(ids.returnable, lookups_locked=True)
    assert slots["requested_slot"] is None and asked is None  # the form ends with the lock explained
    assert responses(messages) in (["utter_lookups_locked"], ["utter_lookups_still_locked"])


def test_verified_phone_is_not_asked_again_for_another_order(database, ids):
    slots, messages, asked = ask_order(ids.returnable, verified_phones=verified(ids.zhang_phone))
    assert asked is None and responses(messages) == ["utter_order_details"]
    assert messages[0]["order_id"] == ids.returnable


def test_a_verified_customer_must_verify_anew_for_someone_elses_order(database, ids):
    _, _, asked = ask_order(ids.too_old, verified_phones=verified(ids.zhang_phone))
    assert asked == "phone_last4"


def test_order_details_with_masked_phone_and_beijing_dates(database, ids):
    _, messages = run(OrderStatusResult(),
                      tracker(slots={"order_id": ids.shipped, "verified_phones": verified(ids.zhang_phone)}))
    [message] = messages
    assert message["response"] == "utter_order_details"
    assert message["status"] == "已发货，运输中" and message["masked_phone"] == "138****8000"
    assert "TL-WR886N" in message["items"] and "×1" in message["items"] and message["amount"] == "¥129.00"
    assert "年" in message["timeline"] and "10:00" in message["timeline"]
    assert message["shipping"] == "物流：顺丰速运，运单号 SF1234567890"


def test_details_are_never_shown_unverified(database, ids):
    slots, messages = run(OrderStatusResult(), tracker(slots={"order_id": ids.shipped}))
    assert messages == [] and slots["order_id"] is None


def test_database_down_gets_an_apology_not_an_error(monkeypatch, ids):
    from bot.store.db import get_engine

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:9/none")
    monkeypatch.setenv("DATABASE_TIMEOUT_SECONDS", "1")
    get_engine.cache_clear()
    try:
        slots, messages, asked = ask_order(ids.shipped)
        assert responses(messages) == ["utter_service_unavailable"] and slots == {"order_id": None}
        _, messages = run(OrderStatusResult(),
                          tracker(slots={"order_id": ids.shipped, "verified_phones": verified(ids.zhang_phone)}))
        assert responses(messages) == ["utter_service_unavailable"]
    finally:
        get_engine.cache_clear()


def test_an_upset_customer_starting_a_look_up_hears_an_apology_first(database, ids):
    upset = tracker(new={"order_id": ids.shipped}, form="order_status_form", text=f"呵呵 一个月了还没到 {ids.shipped}")
    upset.latest_message["upset"] = True
    _, messages = run(ValidateOrderStatusForm(), upset)
    assert responses(messages)[0] == "utter_sorry_for_trouble"
    calm = tracker(new={"order_id": ids.shipped}, form="order_status_form", text=ids.shipped)
    _, messages = run(ValidateOrderStatusForm(), calm)
    assert "utter_sorry_for_trouble" not in responses(messages)
    answering = tracker(new={"phone_last4": "1111"}, slots={"order_id": ids.shipped}, form="order_status_form",
                        requested="phone_last4", text="1111！！")
    answering.latest_message["upset"] = True
    _, messages = run(ValidateOrderStatusForm(), answering)  # an answer to the form's question: no second apology
    assert "utter_sorry_for_trouble" not in responses(messages)


def test_a_mistyped_number_in_the_starting_message_selects_the_question_that_names_it(database):
    started = tracker(text="订单TP20261105001 发货没", intent="check_order_status")  # the form's activation
    slots, messages = run(ValidateOrderStatusForm(), started)
    assert slots["order_id_mistyped"] is True and messages == []
    again = tracker(slots={"order_id_mistyped": True}, text="帮我查下订单", intent="check_order_status")
    assert run(ValidateOrderStatusForm(), again)[0]["order_id_mistyped"] is False


def test_a_mistyped_number_already_named_by_the_validation_is_not_named_twice(database):
    typed = tracker(new={"order_id": "TP20261105001"}, form=FORM, requested="order_id", text="TP20261105001")
    slots, messages = run(ValidateOrderStatusForm(), typed)
    assert responses(messages) == ["utter_invalid_order_id"] and not slots.get("order_id_mistyped")


def test_a_question_inside_the_form_still_lets_rasa_answer_it(database):
    asked = tracker(slots={"order_id_mistyped": True}, form=FORM, requested="order_id", text="退款一般多久到账",
                    intent="faq")
    slots, messages = run(ValidateOrderStatusForm(), asked)
    assert "order_id_mistyped" not in slots and messages == []
