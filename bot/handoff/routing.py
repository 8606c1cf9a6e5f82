"""Who serves which conversation: agents' status (online / busy / away), how many conversations each may serve at
once, and handing a conversation to a named colleague with a note.

*Online* agents take new conversations and transfers; *busy* ones are at work (the queue stays live, they finish
what they have) but receive no transfers; *away* ones count as absent, like an agent whose console is closed: when
everyone is away a hand-off becomes a message left. Presence (the console connected recently) is in
`bot.handoff.sessions`; the status is what the agent chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.core.settings import settings
from bot.handoff import tickets
from bot.handoff.notes import MAX_NOTE_LENGTH
from bot.handoff.sessions import presence_window
from bot.store.models import Agent, HandoffTicket, TicketNote

STATUSES: Dict[str, str] = {"online": "在线", "busy": "忙碌", "away": "离开"}
OFFLINE_LABEL = "离线"


@dataclass(frozen=True)
class AgentLoad:
    """An agent as colleagues and supervisors see them: presence and how many conversations they serve."""

    id: int
    display_name: str
    presence: str  # online | busy | away | offline (the console not connected)
    serving: int
    limit: int

    @property
    def label(self) -> str:
        return STATUSES.get(self.presence, OFFLINE_LABEL)

    @property
    def full(self) -> bool:
        return self.serving >= self.limit


def _now() -> datetime:
    return datetime.now(timezone.utc)


def limit_of(agent: Agent) -> int:
    """The agent's own limit, else HANDOFF_MAX_CONVERSATIONS."""
    return agent.max_conversations or settings().handoff_max_conversations


def set_status(session: Session, agent_id: int, status: str) -> None:
    if status not in STATUSES:
        raise tickets.TicketError("状态只能是：" + "、".join(STATUSES.values()))
    session.execute(update(Agent).where(Agent.id == agent_id).values(status=status))


def serving(session: Session, agent_id: int) -> int:
    """How many conversations the agent is serving now."""
    return session.execute(select(func.count()).where(
        HandoffTicket.status == "assigned", HandoffTicket.agent_id == agent_id)).scalar() or 0


def check_capacity(session: Session, agent: Agent, who: str = "您") -> None:
    """TicketError (in Chinese) when the agent already serves as many conversations as allowed."""
    limit = limit_of(agent)
    if serving(session, agent.id) >= limit:
        raise tickets.TicketError(f"{who}已同时接待 {limit} 个会话，达到上限，请先结束其中一个")


def agent_loads(session: Session, now: Optional[datetime] = None) -> List[AgentLoad]:
    """Every active agent, online ones first, then by name."""
    cutoff = (now or _now()) - presence_window()
    counts = dict(session.execute(
        select(HandoffTicket.agent_id, func.count()).where(HandoffTicket.status == "assigned")
        .group_by(HandoffTicket.agent_id)).all())
    loads = [
        AgentLoad(agent.id, agent.display_name,
                  agent.status if agent.last_seen_at is not None and agent.last_seen_at >= cutoff else "offline",
                  counts.get(agent.id, 0), limit_of(agent))
        for agent in session.execute(select(Agent).where(Agent.is_active == 1)).scalars()
    ]
    order = list(STATUSES) + ["offline"]
    return sorted(loads, key=lambda load: (order.index(load.presence), load.display_name))


def transfer(session: Session, ticket_id: int, from_agent: Agent, to_agent_id: int, note: str,
             supervisor: bool = False) -> HandoffTicket:
    """Hand an assigned conversation to a named colleague who is online and below their limit, with a note
    (kept as the ticket's internal note). Only its agent may, or a supervisor. TicketError says why not."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise tickets.TicketError(f"转交说明不能超过 {MAX_NOTE_LENGTH} 字")
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None or ticket.status != "assigned" or (ticket.agent_id != from_agent.id and not supervisor):
        raise tickets.TicketError("只能转交您自己正在服务的会话")
    target = session.get(Agent, to_agent_id)
    if target is None or not target.is_active:
        raise tickets.TicketError("没有这位客服")
    if target.id == ticket.agent_id:
        raise tickets.TicketError("这个会话已经由这位客服服务")
    load = next((load for load in agent_loads(session) if load.id == target.id), None)
    if load is None or load.presence != "online":
        raise tickets.TicketError(f"{target.display_name} 当前{load.label if load else OFFLINE_LABEL}，不能接收转交")
    check_capacity(session, target, who=target.display_name + " ")
    previous = ticket.agent_id
    now = _now()
    if not tickets.reassign(session, ticket_id, previous, target.id, now):
        raise tickets.TicketError("会话状态已变化，请刷新后重试")
    previous_name = session.get(Agent, previous).display_name if previous else ""
    text = f"{from_agent.display_name} 将会话从 {previous_name} 转交给 {target.display_name}" if previous != from_agent.id \
        else f"{from_agent.display_name} 转交给 {target.display_name}"
    session.add(TicketNote(ticket_id=ticket_id, agent_id=from_agent.id, kind="transfer",
                           text=f"{text}：{note}" if note else text, created_at=now))
    session.flush()
    return session.get(HandoffTicket, ticket_id)
