"""The company's records: customers, products, orders, devices, repairs, returns and complaints.

SQLAlchemy 1.4 with the 2.0-style API. Timestamps are stored in UTC and shown in Beijing time; amounts are
exact decimals (stored as integer fen). Statuses are plain strings checked against the tuples below, so that the import, the actions
and the database agree on one list.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Optional

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import declarative_base, relationship

ORDER_STATUSES = ("pending_payment", "paid", "shipped", "delivered", "cancelled", "refunding", "refunded")
REPAIR_STATUSES = (
    "submitted", "awaiting_shipment", "received", "diagnosing", "repairing", "repaired", "shipped_back",
    "completed", "cancelled",
)
# A repair in these is over for the customer (the device is back with them, or nothing will be done): it is not
# overdue, and a new fault of the device is a new repair.
FINISHED_REPAIR_STATUSES = ("shipped_back", "completed", "cancelled")
RETURN_KINDS = ("return", "exchange")
RETURN_STATUSES = ("submitted", "approved", "rejected", "completed", "cancelled")
COMPLAINT_STATUSES = ("open", "investigating", "resolved", "closed")

# Constraint names are fixed so that migrations can refer to them on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=metadata)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on databases with and without time zone support."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Money(TypeDecorator):
    """Yuan amounts as exact Decimals, stored as integer fen (SQLite has no exact decimal type)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Optional[Decimal], dialect) -> Optional[int]:
        if value is None:
            return None
        cents = Decimal(value) * 100
        if cents != cents.to_integral_value():
            raise ValueError(f"amount {value} has more than 2 decimals")
        return int(cents)

    def process_result_value(self, value: Optional[int], dialect) -> Optional[Decimal]:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def _one_of(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    phone = Column(String(11), nullable=False, unique=True)
    name = Column(String(100), nullable=False, default="")

    orders = relationship("Order", back_populates="customer")
    devices = relationship("Device", back_populates="customer")


class Product(Base):
    __tablename__ = "products"

    sku = Column(String(40), primary_key=True)
    name = Column(String(200), nullable=False)
    category = Column(String(40), nullable=False)
    warranty_months = Column(Integer, nullable=False)
    return_days = Column(Integer, nullable=False)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint(_one_of("status", ORDER_STATUSES), name="status"),)

    order_id = Column(String(14), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(String(20), nullable=False)
    total_amount = Column(Money, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    paid_at = Column(UTCDateTime)
    shipped_at = Column(UTCDateTime)
    delivered_at = Column(UTCDateTime)
    carrier = Column(String(40))
    tracking_no = Column(String(40))

    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id")


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_id = Column(ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False, index=True)
    sku = Column(ForeignKey("products.sku"), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price = Column(Money, nullable=False)

    order = relationship("Order", back_populates="items")
    product = relationship("Product")


class Device(Base):
    __tablename__ = "devices"

    serial_number = Column(String(12), primary_key=True)
    sku = Column(ForeignKey("products.sku"), nullable=False)
    order_id = Column(ForeignKey("orders.order_id"))
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    purchase_date = Column(Date, nullable=False)
    extended_warranty_months = Column(Integer, nullable=False, default=0)

    product = relationship("Product")
    customer = relationship("Customer", back_populates="devices")


class Repair(Base):
    __tablename__ = "repairs"
    __table_args__ = (CheckConstraint(_one_of("status", REPAIR_STATUSES), name="status"),)

    repair_id = Column(String(12), primary_key=True)
    serial_number = Column(ForeignKey("devices.serial_number"), nullable=False, index=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    fault = Column(Text, nullable=False)
    status = Column(String(20), nullable=False)
    in_warranty = Column(Integer)  # 1/0 when the bot filed it; unknown for imported records
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    estimated_done = Column(Date)
    return_carrier = Column(String(40))
    return_tracking_no = Column(String(40))
    conversation_id = Column(String(255))

    device = relationship("Device")
    customer = relationship("Customer")
    history = relationship(
        "RepairEvent", back_populates="repair", cascade="all, delete-orphan", order_by="RepairEvent.id"
    )


class RepairEvent(Base):
    """One step of a repair's status history."""

    __tablename__ = "repair_events"

    id = Column(Integer, primary_key=True)
    repair_id = Column(ForeignKey("repairs.repair_id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(20), nullable=False)
    at = Column(UTCDateTime, nullable=False)
    note = Column(Text)

    repair = relationship("Repair", back_populates="history")


class ReturnRequest(Base):
    __tablename__ = "return_requests"
    __table_args__ = (
        CheckConstraint(_one_of("kind", RETURN_KINDS), name="kind"),
        CheckConstraint(_one_of("status", RETURN_STATUSES), name="status"),
    )

    return_id = Column(String(12), primary_key=True)
    order_id = Column(ForeignKey("orders.order_id"), nullable=False, index=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    kind = Column(String(10), nullable=False)
    reason = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="submitted")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    conversation_id = Column(String(255))

    order = relationship("Order")


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (CheckConstraint(_one_of("status", COMPLAINT_STATUSES), name="status"),)

    complaint_id = Column(String(12), primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), index=True)
    contact_phone = Column(String(11))
    order_id = Column(ForeignKey("orders.order_id"))
    description = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="open")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    conversation_id = Column(String(255))


class IdCounter(Base):
    """The last number handed out per id prefix and year, so that ticket ids are never reused."""

    __tablename__ = "id_counters"

    prefix = Column(String(2), primary_key=True)
    year = Column(Integer, primary_key=True)
    last_value = Column(Integer, nullable=False)


HANDOFF_STATUSES = ("waiting", "assigned", "closed")
CALLBACK_STATUSES = ("to_call", "called")  # of a message left, while its ticket is waiting


class Agent(Base):
    """A human agent who works escalated conversations in the console."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    password_hash = Column(String(255), nullable=False)
    is_active = Column(Integer, nullable=False, default=1)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime)  # the console's live connection refreshes it: "online" agents
    status = Column(String(10), nullable=False, default="online", server_default="online")  # online | busy | away
    max_conversations = Column(Integer)  # at most this many at once; None: HANDOFF_MAX_CONVERSATIONS


class AgentSession(Base):
    """A logged-in console session; only a hash of the cookie's token is stored."""

    __tablename__ = "agent_sessions"

    token_hash = Column(String(64), primary_key=True)
    agent_id = Column(ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)

    agent = relationship("Agent")


class HandoffTicket(Base):
    """A conversation handed to a person: waiting in the queue, assigned to one agent, or closed."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (CheckConstraint(_one_of("status", HANDOFF_STATUSES), name="status"),
                      CheckConstraint(_one_of("callback_status", CALLBACK_STATUSES), name="callback_status"),
                      Index("ix_handoff_tickets_status_created_at", "status", "created_at"))

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    customer_name = Column(String(100))
    masked_phone = Column(String(20))
    reason = Column(String(40), nullable=False)  # request | complaint | verification | fallback | keyword
    summary = Column(Text, nullable=False, default="{}")  # JSON: intents, slots, identifiers, last messages
    status = Column(String(10), nullable=False, default="waiting")
    leave_message = Column(Integer, nullable=False, default=0)  # 1: out of hours or no agent, contact later
    agent_id = Column(ForeignKey("agents.id"), index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    assigned_at = Column(UTCDateTime)
    last_agent_activity_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    close_reason = Column(String(40))  # resolved | cancelled_by_customer
    rating = Column(Integer)
    acknowledged_at = Column(UTCDateTime)  # when the customer's first message while waiting was acknowledged
    # A message left (leave_message = 1) is worked from the call-back list, not the live queue:
    callback_status = Column(String(10))  # to_call | called (None for a live conversation)
    callback_note = Column(Text)  # what the agents noted on calling back, newest last
    called_at = Column(UTCDateTime)
    called_by = Column(ForeignKey("agents.id"))
    # What agents search closed conversations by (bot.handoff.history): the canonical identifiers named in the
    # conversation and the customer's phone, " " around each. Never sent to the console as such.
    search_keys = Column(Text)
    # For the agents' alerts: customer messages since the hand-off, how many of them the assigned agent has seen,
    # and the latest one (phones masked, cut short) as the conversation's preview in the lists.
    customer_messages = Column(Integer, nullable=False, default=0, server_default="0")
    read_messages = Column(Integer, nullable=False, default=0, server_default="0")
    last_customer_text = Column(String(120))
    last_customer_at = Column(UTCDateTime)
    # Tags agents put on the conversation, " " around each (as search_keys), so a search finds a whole tag.
    tags = Column(String(400))

    agent = relationship("Agent", foreign_keys=[agent_id])
    caller = relationship("Agent", foreign_keys=[called_by])


class TicketNote(Base):
    """An internal note on a hand-off ticket (never shown to the customer); a transfer's note is one too."""

    __tablename__ = "ticket_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    agent_id = Column(ForeignKey("agents.id", ondelete="SET NULL"))
    kind = Column(String(10), nullable=False, default="note")  # note | transfer
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    agent = relationship("Agent")


class MediaFile(Base):
    """A picture a customer or an agent sent: its bytes in bot.media.storage under `key`, a thumbnail beside it.
    The id is random (unguessable): the widget's picture URLs are made of it."""

    __tablename__ = "media_files"

    id = Column(String(32), primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    sender = Column(String(10), nullable=False)  # customer | agent
    agent_id = Column(ForeignKey("agents.id", ondelete="SET NULL"))
    content_type = Column(String(40), nullable=False)
    size = Column(Integer, nullable=False)
    width = Column(Integer, nullable=False)
    height = Column(Integer, nullable=False)
    key = Column(String(200), nullable=False)
    thumbnail_key = Column(String(200), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class QuickReply(Base):
    """A standard answer (快捷回复) agents insert into their reply and edit before sending; kept by supervisors."""

    __tablename__ = "quick_replies"

    id = Column(Integer, primary_key=True)
    title = Column(String(30), nullable=False, unique=True)  # what the agent types after "/" to find it
    text = Column(Text, nullable=False)
    updated_by = Column(ForeignKey("agents.id", ondelete="SET NULL"))
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    editor = relationship("Agent")


class OutboxMessage(Base):
    """A message for a customer on a channel that cannot push (REST): kept until the client fetches it."""

    __tablename__ = "outbox_messages"

    id = Column(Integer, primary_key=True)
    channel = Column(String(40), nullable=False)
    recipient_id = Column(String(255), nullable=False, index=True)
    payload = Column(Text, nullable=False)  # JSON, in the REST channel's response format
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ProcessedUpdate(Base):
    """A platform message already taken in (Telegram update_id, WeChat MsgId): retries are recognised, even by
    another server replica, and processed once."""

    __tablename__ = "processed_updates"

    channel = Column(String(40), primary_key=True)
    key = Column(String(128), primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)  # claimed (see bot.store.updates)
    handled_at = Column(UTCDateTime)  # None while being handled


class FailedAttempt(Base):
    """One failed check (a wrong phone tail, a wrong console password), counted per scope and key within a time
    window, so that limits hold across `/restart`, new sessions, new conversations and replicas."""

    __tablename__ = "failed_attempts"

    id = Column(Integer, primary_key=True)
    scope = Column(String(32), nullable=False)  # e.g. verify-conversation, verify-record, login-user, login-ip
    key = Column(String(255), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


Index("ix_failed_attempts_scope_key", FailedAttempt.scope, FailedAttempt.key, FailedAttempt.created_at)


UNANSWERED_REASONS = ("out_of_scope", "fallback")


class UnansweredQuestion(Base):
    """A customer question the bot could not answer from the knowledge base, kept for the knowledge team."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (CheckConstraint(_one_of("reason", UNANSWERED_REASONS), name="reason"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    text = Column(Text, nullable=False)
    reason = Column(String(20), nullable=False)
    intent = Column(String(80))  # what the classifier guessed, e.g. faq/return_policy
    confidence = Column(Integer)  # that guess's confidence in per cent
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    status = Column(String(10), nullable=False, default="open", server_default="open")  # open | dismissed
    handled_by = Column(ForeignKey("agents.id", ondelete="SET NULL"))
    handled_at = Column(UTCDateTime)


class ServerSecret(Base):
    """A secret the servers generate on first start when none is configured (the widget's session key), shared
    by every replica through the database."""

    __tablename__ = "server_secrets"

    name = Column(String(64), primary_key=True)
    value = Column(String(255), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
