"""The console's API for internal notes and tags on a conversation (rules in bot.handoff.notes). Any agent may
note or tag any conversation, a closed one included: notes are for colleagues, never sent to the customer."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import views
from bot.console.auth import agent_api, api_error
from bot.handoff import notes
from bot.handoff.tickets import TicketError
from bot.store.db import in_transaction
from bot.store.models import Agent, TicketNote

logger = logging.getLogger(__name__)

Route = Callable[..., Callable[[Callable[..., Any]], Any]]
NOT_FOUND = "会话不存在"


def add_routes(route: Route) -> None:
    """Notes' and tags' API on the console's blueprint (`route` as in bot.console.channel)."""

    @route("/api/tickets/<ticket_id:int>/notes", "GET", "POST")
    @agent_api
    async def ticket_notes(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
        if request.method == "GET":
            return response.json({"notes": await in_transaction(_notes_view, ticket_id)})
        body = request.json if isinstance(request.json, dict) else {}
        text = body.get("text")
        if not isinstance(text, str):
            return api_error("请填写备注内容", 400)
        try:
            note = await in_transaction(_added, ticket_id, agent.id, text)
        except TicketError as error:
            return api_error(str(error), 400)
        except LookupError:
            return api_error(NOT_FOUND, 404)
        logger.info("console: %s noted on ticket %s", agent.username, ticket_id)
        return response.json({"note": note}, status=201)

    @route("/api/tickets/<ticket_id:int>/tags", "PUT")
    @agent_api
    async def tags(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        given = body.get("tags")
        if not isinstance(given, list) or not all(isinstance(tag, str) for tag in given):
            return api_error("标签应为文字列表，例如 [\"退款\", \"待寄修\"]", 400)
        try:
            stored = await in_transaction(notes.set_tags, ticket_id, given)
        except TicketError as error:
            return api_error(str(error), 400)
        except LookupError:
            return api_error(NOT_FOUND, 404)
        logger.info("console: %s tagged ticket %s: %s", agent.username, ticket_id, " ".join(stored))
        return response.json({"tags": stored})


def note_view(note: TicketNote) -> Dict[str, Any]:
    return {"id": note.id, "kind": note.kind, "text": note.text,
            "agent": note.agent.display_name if note.agent is not None else None,
            "created_at": views.local_time(note.created_at)}


def _notes_view(session: Any, ticket_id: int) -> List[Dict[str, Any]]:
    return [note_view(note) for note in notes.notes_of(session, ticket_id)]


def _added(session: Any, ticket_id: int, agent_id: int, text: str) -> Dict[str, Any]:
    return note_view(notes.add_note(session, ticket_id, agent_id, text))
