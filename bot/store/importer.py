"""Importing the company's records from a JSON or YAML document (the format is documented in the README).

The import is an idempotent upsert in one transaction: the whole document is validated first, against itself
and against what the database already holds, and any invalid record rejects the whole file with every problem
named by section, position, key and field. Nothing is written then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Literal, Optional, Set, Tuple, Type

import yaml
from pydantic import BaseModel, ValidationError, conint, constr, validator
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.formatting import BEIJING
from bot.identifiers import normalize_identifier
from bot.store.db import transaction
from bot.store.models import (
    Customer,
    Device,
    Order,
    OrderItem,
    Product,
    Repair,
    RepairEvent,
)

OrderStatus = Literal["pending_payment", "paid", "shipped", "delivered", "cancelled", "refunding", "refunded"]
RepairStatus = Literal[
    "submitted", "awaiting_shipment", "received", "diagnosing", "repairing", "repaired", "shipped_back",
    "completed", "cancelled",
]
_IDENTIFIER_HINTS = {
    "phone": "an 11-digit mainland mobile number",
    "order_id": "an order number: TP + 12 digits",
    "serial_number": "a serial number: SN + 10 letters or digits",
    "repair_id": "a repair ticket: WX + 10 digits",
}


class ImportFailed(ValueError):
    """The document was rejected; `problems` names every bad record and field. Nothing was written."""

    def __init__(self, problems: List[str]) -> None:
        self.problems = problems
        super().__init__("import rejected, nothing written:\n" + "\n".join(f"  - {p}" for p in problems))


def _identifier(kind: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        canonical = normalize_identifier(kind, None if value is None else str(value))
        if canonical is None:
            raise ValueError(f"{value!r} is not {_IDENTIFIER_HINTS[kind]}")
        return canonical

    return check


def _aware(value: Optional[datetime]) -> Optional[datetime]:
    """Times without an offset are Beijing time, as the company's systems write them."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=BEIJING)
    return value


class _Record(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class CustomerRecord(_Record):
    phone: str
    name: str = ""

    _phone = validator("phone", pre=True, allow_reuse=True)(_identifier("phone"))


class ProductRecord(_Record):
    sku: constr(regex=r"^[A-Z0-9][A-Z0-9+\-]*$", max_length=40)
    name: constr(min_length=1)
    category: constr(min_length=1)
    warranty_months: conint(gt=0)
    return_days: conint(gt=0)


class ItemRecord(_Record):
    sku: constr(min_length=1)
    quantity: conint(gt=0)
    unit_price: Decimal

    @validator("unit_price")
    def _price(cls, value: Decimal) -> Decimal:
        if value < 0 or value != value.quantize(Decimal("0.01")):
            raise ValueError("must be a non-negative amount with at most 2 decimals")
        return value


class OrderRecord(_Record):
    order_id: str
    phone: str
    status: OrderStatus
    items: List[ItemRecord]
    created_at: datetime
    paid_at: Optional[datetime] = None
    shipped_at: Optional[datetime] = None
    delivered_at: Optional[datetime] = None
    carrier: Optional[str] = None
    tracking_no: Optional[str] = None

    _order_id = validator("order_id", pre=True, allow_reuse=True)(_identifier("order_id"))
    _phone = validator("phone", pre=True, allow_reuse=True)(_identifier("phone"))
    _times = validator("created_at", "paid_at", "shipped_at", "delivered_at", allow_reuse=True)(_aware)

    @validator("items")
    def _not_empty(cls, items: List[ItemRecord]) -> List[ItemRecord]:
        if not items:
            raise ValueError("an order needs at least one item")
        return items


class DeviceRecord(_Record):
    serial_number: str
    sku: constr(min_length=1)
    phone: str
    purchase_date: date
    order_id: Optional[str] = None
    extended_warranty_months: conint(ge=0) = 0

    _serial = validator("serial_number", pre=True, allow_reuse=True)(_identifier("serial_number"))
    _phone = validator("phone", pre=True, allow_reuse=True)(_identifier("phone"))

    @validator("order_id", pre=True)
    def _order_id(cls, value: Any) -> Optional[str]:
        return None if value in (None, "") else _identifier("order_id")(value)


class RepairRecord(_Record):
    repair_id: str
    serial_number: str
    phone: str
    fault: constr(min_length=1)
    status: RepairStatus
    created_at: datetime
    updated_at: datetime
    estimated_done: Optional[date] = None
    return_carrier: Optional[str] = None
    return_tracking_no: Optional[str] = None

    _repair_id = validator("repair_id", pre=True, allow_reuse=True)(_identifier("repair_id"))
    _serial = validator("serial_number", pre=True, allow_reuse=True)(_identifier("serial_number"))
    _phone = validator("phone", pre=True, allow_reuse=True)(_identifier("phone"))
    _times = validator("created_at", "updated_at", allow_reuse=True)(_aware)


# Section name, record model, key field; in the order records must be written.
SECTIONS: Tuple[Tuple[str, Type[_Record], str], ...] = (
    ("customers", CustomerRecord, "phone"),
    ("products", ProductRecord, "sku"),
    ("orders", OrderRecord, "order_id"),
    ("devices", DeviceRecord, "serial_number"),
    ("repairs", RepairRecord, "repair_id"),
)


@dataclass
class ImportSummary:
    created: Dict[str, int] = field(default_factory=dict)
    updated: Dict[str, int] = field(default_factory=dict)

    def count(self, section: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[section] = target.get(section, 0) + 1

    def __str__(self) -> str:
        parts = [
            f"{section}: {self.created.get(section, 0)} new, {self.updated.get(section, 0)} updated"
            for section, _, _ in SECTIONS
            if section in self.created or section in self.updated
        ]
        return "; ".join(parts) or "nothing to import"


# --- reading and validating -------------------------------------------------------------------------------


def read_document(path: Path) -> Dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ImportFailed([f"{path}: cannot read the file: {error.strerror}"]) from error
    try:
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ImportFailed([f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {error}"])
    if not isinstance(document, dict):
        raise ImportFailed([f"{path}: expected a mapping with sections {', '.join(s for s, _, _ in SECTIONS)}"])
    return document


@dataclass
class _Parsed:
    records: Dict[str, List[Tuple[str, _Record]]]  # section -> [(label, record)]
    problems: List[str]


def _parse(document: Dict[str, Any]) -> _Parsed:
    problems: List[str] = []
    known = {section for section, _, _ in SECTIONS}
    for key in document:
        if key not in known:
            problems.append(f"unknown section '{key}' (expected one of {', '.join(sorted(known))})")
    records: Dict[str, List[Tuple[str, _Record]]] = {}
    for section, model, key in SECTIONS:
        raw_records = document.get(section) or []
        if not isinstance(raw_records, list):
            problems.append(f"{section}: must be a list of records")
            continue
        records[section] = []
        seen: Set[str] = set()
        for position, raw in enumerate(raw_records):
            label = _label(section, position, raw, key)
            if not isinstance(raw, dict):
                problems.append(f"{label}: must be a mapping of fields")
                continue
            try:
                record = model.parse_obj(raw)
            except ValidationError as error:
                problems.extend(f"{label}: {_field(e['loc'])}: {e['msg']}" for e in error.errors())
                continue
            record_key = getattr(record, key)
            if record_key in seen:
                problems.append(f"{label}: {key} {record_key} appears twice in the file")
            seen.add(record_key)
            records[section].append((label, record))
    return _Parsed(records, problems)


def _label(section: str, position: int, raw: Any, key: str) -> str:
    value = raw.get(key) if isinstance(raw, dict) else None
    return f"{section}[{position}]" + (f" ({value})" if value not in (None, "") else "")


def _field(location: Tuple[Any, ...]) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in location).replace(".[", "[")


def _check_references(session: Session, parsed: _Parsed) -> List[str]:
    """Every phone, SKU, order and serial number a record refers to exists, in the file or the database."""
    records = parsed.records
    phones = {r.phone for _, r in records.get("customers", [])}
    skus = {r.sku for _, r in records.get("products", [])}
    orders = {r.order_id for _, r in records.get("orders", [])}
    serials = {r.serial_number for _, r in records.get("devices", [])}
    problems = []

    def need(label: str, name: str, value: str, column, in_file: Set[str], what: str) -> None:
        if value in in_file or session.execute(select(column).where(column == value)).first() is not None:
            return
        problems.append(f"{label}: {name}: unknown {what} {value} (not in the file nor the database)")

    for label, order in records.get("orders", []):
        need(label, "phone", order.phone, Customer.phone, phones, "customer phone")
        for index, item in enumerate(order.items):
            need(label, f"items[{index}].sku", item.sku, Product.sku, skus, "sku")
    for label, device in records.get("devices", []):
        need(label, "sku", device.sku, Product.sku, skus, "sku")
        need(label, "phone", device.phone, Customer.phone, phones, "customer phone")
        if device.order_id:
            need(label, "order_id", device.order_id, Order.order_id, orders, "order")
    for label, repair in records.get("repairs", []):
        need(label, "serial_number", repair.serial_number, Device.serial_number, serials, "serial number")
        need(label, "phone", repair.phone, Customer.phone, phones, "customer phone")
    return problems


# --- writing ----------------------------------------------------------------------------------------------


def import_document(document: Dict[str, Any], engine: Optional[Engine] = None) -> ImportSummary:
    """Validate and upsert `document` in one transaction; raise ImportFailed (writing nothing) if it is invalid."""
    parsed = _parse(document)
    if parsed.problems:
        raise ImportFailed(parsed.problems)
    with transaction(engine) as session:
        problems = _check_references(session, parsed)
        if problems:
            raise ImportFailed(problems)
        summary = ImportSummary()
        writers = {"customers": _upsert_customer, "products": _upsert_product, "orders": _upsert_order,
                   "devices": _upsert_device, "repairs": _upsert_repair}
        for section, _, _ in SECTIONS:
            # Records are built field by field: no flush until a section is complete.
            with session.no_autoflush:
                for _, record in parsed.records.get(section, []):
                    summary.count(section, created=writers[section](session, record))
            session.flush()  # later sections look up what this one wrote
        return summary


def import_file(path: Path, engine: Optional[Engine] = None) -> ImportSummary:
    try:
        return import_document(read_document(path), engine)
    except ImportFailed as failure:
        raise ImportFailed([f"{path}: {p}" if not p.startswith(str(path)) else p for p in failure.problems])


def _customer_id(session: Session, phone: str) -> int:
    return session.execute(select(Customer.id).where(Customer.phone == phone)).scalar_one()


def _upsert_customer(session: Session, record: CustomerRecord) -> bool:
    customer = session.execute(select(Customer).where(Customer.phone == record.phone)).scalar_one_or_none()
    created = customer is None
    if created:
        customer = Customer(phone=record.phone)
        session.add(customer)
    if record.name or created:
        customer.name = record.name
    return created


def _get_or_add(session: Session, model: type, key: str, value: Any) -> Tuple[Any, bool]:
    """The row whose primary key `key` is `value`, or a new one added to the session; and whether it is new."""
    row = session.get(model, value)
    if row is not None:
        return row, False
    row = model(**{key: value})
    session.add(row)
    return row, True


def _upsert_product(session: Session, record: ProductRecord) -> bool:
    product, created = _get_or_add(session, Product, "sku", record.sku)
    for name in ("name", "category", "warranty_months", "return_days"):
        setattr(product, name, getattr(record, name))
    return created


def _upsert_order(session: Session, record: OrderRecord) -> bool:
    order, created = _get_or_add(session, Order, "order_id", record.order_id)
    order.customer_id = _customer_id(session, record.phone)
    for name in ("status", "created_at", "paid_at", "shipped_at", "delivered_at", "carrier", "tracking_no"):
        setattr(order, name, getattr(record, name))
    order.total_amount = sum((item.unit_price * item.quantity for item in record.items), Decimal("0"))
    order.items = [OrderItem(sku=i.sku, quantity=i.quantity, unit_price=i.unit_price) for i in record.items]
    return created


def _upsert_device(session: Session, record: DeviceRecord) -> bool:
    device, created = _get_or_add(session, Device, "serial_number", record.serial_number)
    device.customer_id = _customer_id(session, record.phone)
    for name in ("sku", "order_id", "purchase_date", "extended_warranty_months"):
        setattr(device, name, getattr(record, name))
    return created


def _upsert_repair(session: Session, record: RepairRecord) -> bool:
    repair, created = _get_or_add(session, Repair, "repair_id", record.repair_id)
    status_changed = created or repair.status != record.status
    repair.customer_id = _customer_id(session, record.phone)
    for name in ("serial_number", "fault", "status", "created_at", "updated_at", "estimated_done",
                 "return_carrier", "return_tracking_no"):
        setattr(repair, name, getattr(record, name))
    if created and record.status != "submitted":
        repair.history.append(RepairEvent(status="submitted", at=record.created_at))
    if status_changed:
        repair.history.append(RepairEvent(status=record.status, at=record.updated_at))
    return created


def catalogue_document(products: Iterable[Any]) -> Dict[str, Any]:
    """The product catalogue of knowledge/products.yml as an import document."""
    return {
        "products": [
            {"sku": p.sku, "name": p.name, "category": p.category,
             "warranty_months": p.warranty_months, "return_days": p.return_days}
            for p in products
        ]
    }
