from datetime import timedelta

from bot.actions.warranty import WarrantyResult, ValidateWarrantyForm
from bot.formatting import format_date
from tests.actions.conftest import responses, run, tracker


def check(value):
    return run(ValidateWarrantyForm(), tracker(new={"serial_number": value}, form="warranty_form",
                                               requested="serial_number"))


def test_serial_number_is_validated(database, ids):
    assert responses(check("SN12")[1]) == ["utter_invalid_serial_number"]
    slots, messages = check("SN0NOTHERE00")
    assert slots["serial_number"] is None and messages[0]["response"] == "utter_device_not_found"
    slots, messages = check(ids.device_in.lower())
    assert slots["serial_number"] == ids.device_in  # kept: "申请维修" right after needs it
    assert slots["requested_slot"] is None and responses(messages) == ["utter_warranty_details"]  # in the same call


def test_in_warranty_with_days_left_and_no_personal_data(database, ids):
    _, [message] = run(WarrantyResult(), tracker(slots={"serial_number": ids.device_in}))
    assert message["response"] == "utter_warranty_details"
    assert "TL-WR886N" in message["product_name"] and message["warranty_terms"] == "24 个月"
    assert message["purchase_date"] == format_date(ids.today - timedelta(days=30))
    assert "在保修期内" in message["verdict"] and "还剩" in message["verdict"]
    assert not any(ids.zhang_phone[-4:] in str(v) or "张三" in str(v) for v in message.values())


def test_out_of_warranty_offers_paid_repair(database, ids):
    _, [message] = run(WarrantyResult(), tracker(slots={"serial_number": ids.device_out}))
    assert "已过保修期" in message["verdict"] and "付费维修" in message["verdict"]
