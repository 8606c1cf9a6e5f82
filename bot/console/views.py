"""What the console shows, as JSON: tickets, a conversation's history, the customer's records, suggestions."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from rasa.shared.core.events import (
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.aftersales import warranty_status
from bot.core import verification
from bot.core.identity import VERIFIED_PHONE
from bot.formatting import BEIJING, beijing_today, format_amount
from bot.core.delivery import AGENT_MESSAGE
from bot.core.pictures import media_of
from bot.handoff.notes import tags_of
from bot.handoff.summary import mask_phones_in
from bot.identifiers import mask_phone
from bot.knowledge import KnowledgeBase, knowledge_base
from bot.media.files import console_url
from bot.store.models import Customer, Device, HandoffTicket, Order, Repair

SUGGESTIONS = 3
# Messages about the conversation itself, not a question a knowledge-base answer could serve.
_NOT_QUESTIONS = {"request_human", "deny", "affirm", "greet", "goodbye", "thank", "rate_service"}
INTENTS = {"greet": "问候", "goodbye": "告别", "thank": "感谢", "affirm": "肯定", "deny": "否定", "bot_challenge": "问是否机器人",
           "out_of_scope": "超出范围", "request_human": "转人工", "file_complaint": "投诉", "check_order_status": "查订单",
           "check_warranty": "查保修", "check_repair_status": "查维修进度", "request_repair": "报修", "request_return": "退换货",
           "inform": "提供信息", "rate_service": "评价", "faq": "常见问题", "nlu_fallback": "未理解"}
SLOTS = {"order_id": "订单号", "serial_number": "序列号", "repair_id": "维修单号", "contact_phone": "联系电话",
         "fault_description": "故障描述", "return_kind": "退/换货", "return_reason": "退换原因",
         "complaint_description": "投诉内容", "complaint_order": "投诉订单", "product": "产品",
         "lookups_locked": "查询已锁定（验证失败）"}
IDENTIFIERS = {"order_id": "订单号", "serial_number": "序列号", "repair_id": "维修单号", "return_id": "退换货单号",
               "complaint_id": "投诉单号", "phone": "手机号"}
REASONS = {"request": "客户要求转人工", "complaint": "投诉后转人工", "verification": "身份验证多次失败",
           "fallback": "机器人连续两次未理解", "keyword": "敏感关键词"}
STATUSES = {"waiting": "排队中", "assigned": "服务中", "closed": "已结束"}
CLOSE_REASONS = {"resolved": "客服处理完毕", "cancelled_by_customer": "客户取消等待"}
CALLBACK_STATUSES = {"to_call": "待回电", "called": "已回电"}
CHANNELS = {"rest": "网页/API", "socketio": "网站聊天窗口", "wechat": "微信公众号", "telegram": "Telegram"}
ORDER_STATUSES = {"pending_payment": "待付款", "paid": "已付款", "shipped": "已发货", "delivered": "已签收",
                  "cancelled": "已取消", "refunding": "退款中", "refunded": "已退款"}
REPAIR_STATUSES = {"submitted": "已提交", "awaiting_shipment": "待寄出", "received": "已收到", "diagnosing": "检测中",
                   "repairing": "维修中", "repaired": "已修好", "shipped_back": "已寄回", "completed": "已完成",
                   "cancelled": "已取消"}


def local_time(moment: Optional[datetime]) -> Optional[str]:
    return moment.astimezone(BEIJING).strftime("%m-%d %H:%M:%S") if moment else None


def ticket_view(ticket: HandoffTicket, now: Optional[datetime] = None) -> Dict[str, Any]:
    now = now or datetime.now(timezone.utc)
    return {
        "id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "channel": CHANNELS.get(ticket.channel, ticket.channel),
        # an unverified customer: the channel and ticket number tell agents apart better than a session id
        "customer": ticket.customer_name or ticket.masked_phone
                    or f"{CHANNELS.get(ticket.channel, ticket.channel)}访客 #{ticket.id}",
        "masked_phone": ticket.masked_phone,
        "reason": REASONS.get(ticket.reason, ticket.reason),
        "status": ticket.status,
        "status_label": "留言" if ticket.leave_message and ticket.status == "waiting"
                        else STATUSES.get(ticket.status, ticket.status),
        "leave_message": bool(ticket.leave_message),
        "agent_id": ticket.agent_id,
        "agent": ticket.agent.display_name if ticket.agent is not None else None,
        "created_at": local_time(ticket.created_at),
        "created_on": ticket.created_at.astimezone(BEIJING).strftime("%Y-%m-%d"),
        "waiting_minutes": int((now - ticket.created_at).total_seconds() // 60),
        "rating": ticket.rating,
        "closed_at": local_time(ticket.closed_at),
        "close_label": CLOSE_REASONS.get(ticket.close_reason or "", ticket.close_reason),
        "callback_status": ticket.callback_status,
        "callback_label": CALLBACK_STATUSES.get(ticket.callback_status or ""),
        "callback_note": ticket.callback_note,
        "called_at": local_time(ticket.called_at),
        "caller": ticket.caller.display_name if ticket.caller is not None else None,
        "preview": ticket.last_customer_text,
        "tags": tags_of(ticket),
        "last_customer_at": local_time(ticket.last_customer_at),
        "customer_messages": ticket.customer_messages or 0,
        # customer messages the assigned agent has not seen yet (their unread badge)
        "unread": max(0, (ticket.customer_messages or 0) - (ticket.read_messages or 0))
                  if ticket.status == "assigned" else 0,
    }


def summary_view(ticket: HandoffTicket) -> Dict[str, Any]:
    """The bot's summary in the agents' words (the console adds `verified`, the phones proved so far, from the
    conversation itself: a customer may prove one after the summary was written)."""
    try:
        summary = json.loads(ticket.summary or "{}")
    except ValueError:
        summary = {}
    summary["intents"] = [INTENTS.get(name, name) for name in summary.get("intents", [])]
    summary["slots"] = {SLOTS.get(name, name): "是" if value is True else value
                        for name, value in summary.get("slots", {}).items()}
    summary["identifiers"] = {IDENTIFIERS.get(kind, kind): values
                              for kind, values in summary.get("identifiers", {}).items()}
    return summary


def history(tracker: DialogueStateTracker) -> List[Dict[str, Any]]:
    """The whole conversation, every session: customer, bot and agent messages, and hand-off markers."""
    lines: List[Dict[str, Any]] = []
    for event in tracker.events:
        time = datetime.fromtimestamp(event.timestamp, timezone.utc)
        picture = media_of(event.metadata) if isinstance(event, (UserUttered, BotUttered)) else None
        shown = {} if picture is None else \
            {"audio": console_url(picture["id"]), "audio_format": picture.get("format", "")} \
            if picture.get("type") == "voice" else \
            {"image": console_url(picture["id"]), "thumb": console_url(picture["id"], thumbnail=True)}
        if isinstance(event, UserUttered) and event.text:
            lines.append({"from": "customer", "text": "" if picture and picture.get("type") != "voice"
                          else mask_phones_in(event.text),
                          "time": local_time(time), **shown})
        elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons") or picture):
            agent = (event.metadata or {}).get(AGENT_MESSAGE)
            buttons = [button.get("title") for button in event.data.get("buttons") or []]
            lines.append({"from": "agent" if agent else "bot", "agent": agent, "text": mask_phones_in(event.text or ""),
                          "buttons": buttons, "time": local_time(time), **shown})
        elif isinstance(event, ConversationPaused):
            lines.append({"from": "system", "text": "机器人已暂停，转人工", "time": local_time(time)})
        elif isinstance(event, ConversationResumed):
            lines.append({"from": "system", "text": "机器人已恢复服务", "time": local_time(time)})
        elif isinstance(event, SessionStarted) and lines:
            lines.append({"from": "system", "text": "新的会话", "time": local_time(time)})
    return lines


def texts(tracker: DialogueStateTracker) -> List[str]:
    """Everything the customer, the bot and the agents said in the conversation."""
    return [event.text for event in tracker.events if isinstance(event, (UserUttered, BotUttered)) and event.text]


def customer_phones(tracker: DialogueStateTracker) -> List[str]:
    """The phones the customer proved or gave as a contact number."""
    contact = tracker.get_slot("contact_phone")
    return verified_phones(tracker) + ([str(contact)] if contact else [])


def last_customer_question(tracker: DialogueStateTracker) -> Optional[Dict[str, Any]]:
    """How the bot parsed the customer's last message that asks something ("转人工", "好的" do not)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.text and not event.text.startswith("/"):
            if (event.intent or {}).get("name") not in _NOT_QUESTIONS:
                return event.parse_data
    return None


def suggestions(tracker: DialogueStateTracker, knowledge: Optional[KnowledgeBase] = None) -> List[Dict[str, Any]]:
    """Top knowledge-base answers for the customer's last message (the bot's own ranking of it)."""
    parse = last_customer_question(tracker)
    if not parse:
        return []
    ranked = (knowledge or knowledge_base()).ranked(parse, SUGGESTIONS)
    return [{"id": entry.id, "title": entry.title, "answer": entry.answer, "confidence": round(confidence, 2)}
            for entry, confidence in ranked]


def verified_phones(tracker: DialogueStateTracker) -> List[str]:
    """Phones the customer proved (last 4 digits) or their channel vouched for (the website's signed identity)."""
    phones = verification.verified_phones(tracker.get_slot(verification.SLOT), tracker.sender_id)
    for event in tracker.events:
        vouched = (event.metadata or {}).get(VERIFIED_PHONE) if isinstance(event, UserUttered) else None
        if vouched and vouched not in phones:
            phones.append(vouched)
    return phones


def customer_records(session: Session, phones: Iterable[str]) -> List[Dict[str, Any]]:
    """The orders, devices and repairs of each customer whose phone was verified in the conversation."""
    today = beijing_today()
    customers = []
    for phone in phones:
        customer = session.execute(select(Customer).where(Customer.phone == phone)).scalar_one_or_none()
        if customer is None:
            continue
        orders = session.execute(
            select(Order).where(Order.customer_id == customer.id).order_by(Order.created_at.desc())
        ).scalars()
        devices = session.execute(
            select(Device).where(Device.customer_id == customer.id).order_by(Device.purchase_date.desc())
        ).scalars()
        repairs = session.execute(
            select(Repair).where(Repair.customer_id == customer.id).order_by(Repair.created_at.desc())
        ).scalars()
        customers.append({
            "name": customer.name,
            "phone": mask_phone(customer.phone),
            "orders": [{"id": o.order_id, "status": ORDER_STATUSES.get(o.status, o.status),
                        "amount": format_amount(o.total_amount), "created_at": local_time(o.created_at)} for o in orders],
            "devices": [{"serial_number": d.serial_number, "product": d.product.name,
                         "purchase_date": d.purchase_date.isoformat(), "warranty": _warranty_label(d, today)}
                        for d in devices],
            "repairs": [{"id": r.repair_id, "serial_number": r.serial_number, "status": REPAIR_STATUSES.get(r.status, r.status),
                         "fault": r.fault} for r in repairs],
        })
    return customers


def _warranty_label(device: Device, today: date) -> str:
    status = warranty_status(device, today)
    return f"{'保修期内' if status.in_warranty else '已过保'}（至 {status.ends_on.isoformat()}）"
