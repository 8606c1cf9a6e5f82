"""Importing records: a valid document, idempotence, and every kind of invalid record (nothing written)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.knowledge import PROJECT_ROOT
from bot.store.db import get_engine, transaction
from bot.store.importer import ImportFailed, import_document, import_file
from bot.store.models import Customer, Order, Repair, RepairEvent
from tests.records import records


def counts(url):
    with transaction(get_engine(url)) as session:
        return {model.__name__: session.execute(select(func.count()).select_from(model)).scalar()
                for model in (Customer, Order, Repair, RepairEvent)}


def test_records_are_imported_with_their_details(database, ids):
    with transaction() as session:
        order = session.get(Order, ids.returnable)
        assert order.customer.phone == ids.zhang_phone
        assert str(order.total_amount) == "178.00"
        assert [(i.sku, i.quantity) for i in order.items] == [("TL-SG1008D", 2)]
        assert order.delivered_at.tzinfo is not None
        repair = session.get(Repair, ids.repair)
        assert [e.status for e in repair.history] == ["submitted", "repairing"]


def test_import_is_an_idempotent_upsert(database, ids):
    before = counts(database)
    document = records()
    document["orders"][0]["status"] = "delivered"
    document["orders"][0]["delivered_at"] = document["orders"][0]["shipped_at"]
    document["repairs"][0]["status"] = "repaired"
    summary = import_document(document)
    assert summary.created == {} and summary.updated["orders"] == len(document["orders"])
    after = counts(database)
    assert after["Order"] == before["Order"] and after["Customer"] == before["Customer"]
    assert after["RepairEvent"] == before["RepairEvent"] + 1  # the status change is recorded once
    import_document(document)
    assert counts(database) == after
    with transaction() as session:
        assert session.get(Order, ids.shipped).status == "delivered"


def broken(change):
    document = records()
    change(document)
    return document


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d["orders"][1].update(status="lost"), "orders[1] ({order}): status: unexpected value"),
        (lambda d: d["orders"][1].update(order_id="TP123"), "orders[1] (TP123): order_id: 'TP123' is not an order number"),
        (lambda d: d["orders"][1]["items"][0].update(sku="TL-NOPE"), "orders[1] ({order}): items[0].sku: unknown sku TL-NOPE"),
        (lambda d: d["orders"][1].pop("created_at"), "orders[1] ({order}): created_at: field required"),
        (lambda d: d["orders"][1].update(phone="13700000000"), "orders[1] ({order}): phone: unknown customer phone 13700000000"),
        (lambda d: d["orders"][1].update(items=[]), "orders[1] ({order}): items: an order needs at least one item"),
        (lambda d: d["orders"][1]["items"][0].update(unit_price="1.234"), "items[0].unit_price: must be a non-negative amount"),
        (lambda d: d["devices"][0].update(serial_number="SN12"), "devices[0] (SN12): serial_number: 'SN12' is not a serial number"),
        (lambda d: d["repairs"][0].update(status="fixed"), "repairs[0] ({repair}): status: unexpected value"),
        (lambda d: d["repairs"][0].update(serial_number="SN0NOTHERE00"), "repairs[0] ({repair}): serial_number: unknown serial number"),
        (lambda d: d["customers"].append(dict(d["customers"][0])), "customers[2] (13800138000): phone 13800138000 appears twice"),
        (lambda d: d.update(refunds=[]), "unknown section 'refunds'"),
        (lambda d: d["orders"][1].update(colour="red"), "orders[1] ({order}): colour: extra fields not permitted"),
    ],
)
def test_an_invalid_record_rejects_the_whole_file(database, ids, change, expected):
    document = broken(change)
    document["customers"].append({"phone": "13500000000", "name": "新客户"})  # valid, must not be written either
    before = counts(database)
    with pytest.raises(ImportFailed) as failure:
        import_document(document)
    message = "\n".join(failure.value.problems)
    assert expected.format(order=ids.returnable, repair=ids.repair) in message
    assert counts(database) == before


def test_every_problem_is_reported(database):
    document = broken(lambda d: (d["orders"][0].update(status="lost"), d["devices"][1].update(sku="TL-NOPE")))
    with pytest.raises(ImportFailed) as failure:
        import_document(document)
    assert len(failure.value.problems) == 1  # field errors first; references are checked once fields are valid
    document = broken(lambda d: (d["orders"][0]["items"][0].update(sku="TL-NOPE"), d["devices"][1].update(sku="TL-X")))
    with pytest.raises(ImportFailed) as failure:
        import_document(document)
    assert len(failure.value.problems) == 2


def test_json_file_and_naive_times_in_beijing(database, tmp_path: Path):
    document = {"customers": [{"phone": "135 0000 0000", "name": "王五"}],
                "orders": [{"order_id": "tp202601010001", "phone": "13500000000", "status": "paid",
                            "items": [{"sku": "TL-WR886N", "quantity": 1, "unit_price": "129"}],
                            "created_at": "2026-01-01T08:00:00"}]}
    path = tmp_path / "records.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert str(import_file(path)) == "customers: 1 new, 0 updated; orders: 1 new, 0 updated"
    with transaction() as session:
        order = session.get(Order, "TP202601010001")
        assert order.created_at.isoformat() == "2026-01-01T00:00:00+00:00"


def test_unreadable_files_are_reported(tmp_path: Path, database):
    bad = tmp_path / "bad.yml"
    bad.write_text("orders: [unclosed", encoding="utf-8")
    with pytest.raises(ImportFailed, match="not valid YAML"):
        import_file(bad)
    with pytest.raises(ImportFailed, match="cannot read the file"):
        import_file(tmp_path / "missing.yml")


def test_the_demo_records_are_valid_and_cover_every_status(database):
    demo = yaml.safe_load((PROJECT_ROOT / "bot/store/demo_records.yml").read_text(encoding="utf-8"))
    from bot.store.models import ORDER_STATUSES, REPAIR_STATUSES
    assert {o["status"] for o in demo["orders"]} == set(ORDER_STATUSES) and len(demo["orders"]) >= 20
    assert {r["status"] for r in demo["repairs"]} == set(REPAIR_STATUSES) and len(demo["repairs"]) >= 10
    assert len(demo["devices"]) >= 15 and len(demo["customers"]) >= 3
    import_file(PROJECT_ROOT / "bot/store/demo_records.yml")


def test_cli_rejects_invalid_file_without_traceback(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(broken(lambda d: d["orders"][0].update(status="lost")), allow_unicode=True))
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    init = subprocess.run([sys.executable, "-m", "bot.store", "init"], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    result = subprocess.run([sys.executable, "-m", "bot.store", "import", str(path)], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "status: unexpected value" in result.stderr and "Traceback" not in result.stderr
