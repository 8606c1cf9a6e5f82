from bot.actions.repair_status import RepairStatusResult, ValidateRepairStatusForm
from tests.actions.conftest import next_question, phones, responses, run, tracker, verified

FORM = "repair_status_form"


def test_ticket_format_existence_and_verification(database, ids):
    current = tracker(new={"repair_id": "WX12"}, form=FORM, requested="repair_id")
    assert responses(run(ValidateRepairStatusForm(), current)[1]) == ["utter_invalid_repair_id"]
    current = tracker(new={"repair_id": "WX2099000001"}, form=FORM, requested="repair_id")
    assert responses(run(ValidateRepairStatusForm(), current)[1]) == ["utter_repair_not_found"]
    current = tracker(new={"repair_id": ids.repair.lower()}, form=FORM, requested="repair_id")
    slots, _ = run(ValidateRepairStatusForm(), current)
    assert slots["repair_id"] == ids.repair and next_question(current, slots) == "phone_last4"
    current = tracker(slots={"repair_id": ids.repair}, new={"phone_last4": "尾号8000"}, form=FORM,
                      requested="phone_last4")
    slots, messages = run(ValidateRepairStatusForm(), current)
    assert phones(slots) == [ids.zhang_phone]
    assert slots["requested_slot"] is None and responses(messages)[0] == "utter_repair_details"  # in the same call
    assert slots["repair_id"] is None  # the next look-up starts afresh


def test_details_with_history_and_estimate(database, ids):
    _, [message] = run(RepairStatusResult(),
                       tracker(slots={"repair_id": ids.repair, "verified_phones": verified(ids.zhang_phone)}))
    assert message["response"] == "utter_repair_details"
    assert message["status"] == "维修中" and message["fault"] == "无法开机"
    assert message["history"].count("·") == 2 and "已提交，待审核" in message["history"]
    assert message["estimate"].startswith("预计完成：")


def test_not_shown_to_someone_else(database, ids):
    _, messages = run(RepairStatusResult(),
                      tracker(slots={"repair_id": ids.repair, "verified_phones": verified(ids.li_phone)}))
    assert messages == []


def test_an_overdue_repair_is_said_with_an_apology_and_a_person_offered(database, ids):
    from datetime import timedelta

    from bot.formatting import beijing_today
    from bot.store.db import transaction
    from bot.store.models import Repair

    with transaction() as session:
        session.get(Repair, ids.repair).estimated_done = beijing_today() - timedelta(days=4)
    _, messages = run(RepairStatusResult(),
                      tracker(slots={"repair_id": ids.repair, "verified_phones": verified(ids.zhang_phone)}))
    assert responses(messages) == ["utter_repair_details", "utter_repair_overdue"]
    assert messages[1]["days"] == "4"


def test_a_repair_on_time_or_done_is_not_overdue(database, ids):
    from datetime import date

    from bot.actions.repair_status import days_overdue
    from bot.store.models import Repair

    late = Repair(status="repairing", estimated_done=date(2026, 11, 17))
    assert days_overdue(late, today=date(2026, 12, 3)) == 16
    assert days_overdue(late, today=date(2026, 11, 17)) == 0
    assert days_overdue(Repair(status="completed", estimated_done=date(2026, 11, 1)), today=date(2026, 12, 3)) == 0
