"""Quick replies (快捷回复): standard answers an agent inserts into the reply composer and edits before sending.

Supervisors keep the list (create, edit, delete); every agent reads it. The composer finds one by typing "/" and
part of its title or text, so titles are short and unique.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import QuickReply, utcnow

MAX_TITLE_LENGTH = 30
MAX_TEXT_LENGTH = 2000  # as long as an agent's reply may be
MAX_QUICK_REPLIES = 500  # the whole list is sent to the console, which filters it as the agent types

# A starter set for a new installation (`python -m bot.handoff demo-agent`, which `make run` calls); supervisors
# change or delete them like any other.
DEFAULTS = (
    ("问候", "您好，我是 TP 售后客服，很高兴为您服务，请问有什么可以帮您？"),
    ("请稍等", "好的，我这边帮您查询一下，请您稍等 1～2 分钟。"),
    ("核实身份", "为保护您的信息安全，请提供下单时预留手机号的后 4 位，我帮您核实。"),
    ("故障照片", "麻烦您拍一张故障现象的照片或短视频发给我们，方便工程师判断问题。"),
    ("结束语", "感谢您的耐心，如果还有其他问题，随时联系我们。祝您生活愉快！"),
)


class QuickReplyError(ValueError):
    """A refused change, with the reason in Chinese for the supervisor."""


def quick_replies(session: Session) -> List[QuickReply]:
    """Every quick reply, by title."""
    return list(session.execute(select(QuickReply).order_by(QuickReply.title)).scalars())


def _checked(session: Session, title: str, text: str, quick_reply_id: Optional[int] = None) -> Tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise QuickReplyError(f"标题不能为空，且不超过 {MAX_TITLE_LENGTH} 字")
    if title.startswith("/"):
        raise QuickReplyError("标题不需要以“/”开头：在回复框输入“/”加标题即可找到")
    if not text or len(text) > MAX_TEXT_LENGTH:
        raise QuickReplyError(f"内容不能为空，且不超过 {MAX_TEXT_LENGTH} 字")
    same = session.execute(select(QuickReply.id).where(QuickReply.title == title)).scalar()
    if same is not None and same != quick_reply_id:
        raise QuickReplyError(f"已有标题为“{title}”的快捷回复")
    return title, text


def create(session: Session, title: str, text: str, agent_id: Optional[int]) -> QuickReply:
    title, text = _checked(session, title, text)
    if session.execute(select(func.count()).select_from(QuickReply)).scalar() >= MAX_QUICK_REPLIES:
        raise QuickReplyError(f"快捷回复最多 {MAX_QUICK_REPLIES} 条，请先删除不再使用的")
    quick_reply = QuickReply(title=title, text=text, updated_by=agent_id, updated_at=utcnow())
    session.add(quick_reply)
    session.flush()
    return quick_reply


def change(session: Session, quick_reply_id: int, title: str, text: str, agent_id: Optional[int]) -> QuickReply:
    quick_reply = session.get(QuickReply, quick_reply_id)
    if quick_reply is None:
        raise LookupError(quick_reply_id)
    quick_reply.title, quick_reply.text = _checked(session, title, text, quick_reply_id)
    quick_reply.updated_by, quick_reply.updated_at = agent_id, utcnow()
    session.flush()
    return quick_reply


def delete(session: Session, quick_reply_id: int) -> None:
    quick_reply = session.get(QuickReply, quick_reply_id)
    if quick_reply is None:
        raise LookupError(quick_reply_id)
    session.delete(quick_reply)


def add_defaults(session: Session) -> int:
    """The starter set if the list is empty (a fresh installation); how many were added."""
    if session.execute(select(QuickReply.id).limit(1)).first() is not None:
        return 0
    for title, text in DEFAULTS:
        create(session, title, text, None)
    return len(DEFAULTS)
