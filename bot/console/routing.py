"""The console's routing API: an agent's status, colleagues and their load, transfer to a named colleague with a
note, and the supervisors' view of every agent's conversations (rules in bot.handoff.routing)."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

from rasa.core.agent import Agent as RasaAgent
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import views
from bot.console.auth import agent_api, api_error, is_supervisor
from bot.core.delivery import handoff_changed
from bot.handoff import live, routing, tickets
from bot.store.db import in_transaction
from bot.store.models import Agent

logger = logging.getLogger(__name__)

Route = Callable[..., Callable[[Callable[..., Any]], Any]]


def add_routes(route: Route) -> None:
    """Routing's API on the console's blueprint (`route` as in bot.console.channel)."""

    @route("/api/agents", "GET")
    @agent_api
    async def colleagues(request: Request, agent: Agent) -> HTTPResponse:
        return response.json(await in_transaction(_agents_view, agent.id, is_supervisor(agent)))

    @route("/api/me/status", "PUT")
    @agent_api
    async def status(request: Request, agent: Agent) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        try:
            await in_transaction(routing.set_status, agent.id, str(body.get("status") or ""))
        except tickets.TicketError as error:
            return api_error(str(error), 400)
        logger.info("console: %s is now %s", agent.username, body.get("status"))
        return response.json({"status": body["status"], "label": routing.STATUSES[body["status"]]})

    @route("/api/tickets/<ticket_id:int>/transfer", "POST")
    @agent_api
    async def transfer(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        target = body.get("agent_id")
        if not isinstance(target, int) or isinstance(target, bool):
            return api_error("请选择要转交的客服", 400)
        note = body.get("note") or ""
        if not isinstance(note, str):
            return api_error("转交说明应为文字", 400)
        try:
            moved = await in_transaction(_transfer, ticket_id, agent, target, note, is_supervisor(agent))
        except tickets.TicketError as error:
            return api_error(str(error), 409)
        logger.info("console: %s transferred ticket %s to agent %s", agent.username, ticket_id, target)
        await _tell_customer(request.app.ctx.agent, moved)
        return response.json({"ok": True, "agent": moved["agent_name"]})


def _load_view(load: routing.AgentLoad) -> Dict[str, Any]:
    return {"id": load.id, "display_name": load.display_name, "presence": load.presence, "label": load.label,
            "serving": load.serving, "limit": load.limit, "full": load.full,
            "accepts_transfer": load.presence == "online" and not load.full}


def _agents_view(session: Any, agent_id: int, supervisor: bool) -> Dict[str, Any]:
    """Colleagues for the transfer picker; for a supervisor, each one's conversations too."""
    loads = routing.agent_loads(session)
    agents: List[Dict[str, Any]] = []
    for load in loads:
        view = _load_view(load)
        if supervisor:
            view["conversations"] = [views.ticket_view(t) for t in tickets.agent_tickets(session, load.id)]
        agents.append(view)
    me = session.get(Agent, agent_id)
    return {"agents": agents, "me": {"status": me.status, "label": routing.STATUSES.get(me.status)},
            "statuses": routing.STATUSES, "supervisor": supervisor}


def _transfer(session: Any, ticket_id: int, agent: Agent, target: int, note: str,
              supervisor: bool) -> Dict[str, Any]:
    ticket = routing.transfer(session, ticket_id, agent, target, note, supervisor)
    return {"id": ticket.id, "channel": ticket.channel, "conversation_id": ticket.conversation_id,
            "agent_name": ticket.agent.display_name}


async def _tell_customer(agent: RasaAgent, ticket: Dict[str, Any]) -> None:
    """The customer hears who serves them now (the "agent joined" notice, with the new name)."""
    try:
        await live.say(agent, ticket["channel"], ticket["conversation_id"], "utter_handoff_agent_joined",
                       agent_name=ticket["agent_name"])
    except live.DeliveryFailed:
        pass  # kept in the history; the new agent sees the conversation
    await handoff_changed(ticket["channel"], ticket["conversation_id"], "agent_joined", ticket["agent_name"])
