"""What the reply composer inserts: quick replies (kept by supervisors) and knowledge-base answers.

Nothing here sends anything to a customer: the agent inserts a text into the editor, edits it, and sends it with
the ordinary reply route.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import IntegrityError

from bot.console import views
from bot.console.auth import agent_api, api_error, is_supervisor
from bot.handoff import quick_replies
from bot.knowledge import knowledge_base
from bot.store.db import in_transaction
from bot.store.models import Agent, QuickReply

logger = logging.getLogger(__name__)

Route = Callable[..., Callable[[Callable[..., Any]], Any]]


def add_routes(route: Route) -> None:
    """The composer's API on the console's blueprint (`route` as in bot.console.channel)."""

    @route("/api/quick-replies", "GET", "POST")
    @agent_api
    async def listed(request: Request, agent: Agent) -> HTTPResponse:
        if request.method == "GET":
            return response.json(await in_transaction(_listed, is_supervisor(agent)))
        return await _changed(request, agent, _create)

    @route("/api/quick-replies/<quick_reply_id:int>", "PUT", "DELETE")
    @agent_api
    async def one(request: Request, quick_reply_id: int, agent: Agent) -> HTTPResponse:
        if request.method == "PUT":
            return await _changed(request, agent, _change, quick_reply_id)
        if not is_supervisor(agent):
            return api_error("只有主管可以管理快捷回复", 403)
        try:
            await in_transaction(quick_replies.delete, quick_reply_id)
        except LookupError:
            return api_error("这条快捷回复不存在或已被删除", 404)
        logger.info("console: %s deleted quick reply %s", agent.username, quick_reply_id)
        return response.json({"ok": True})

    @route("/api/knowledge", "GET")
    @agent_api
    async def knowledge(request: Request, agent: Agent) -> HTTPResponse:
        return response.json({"entries": [{"id": entry.id, "title": entry.title, "answer": entry.answer}
                                          for entry in knowledge_base().entries]})


def _view(quick_reply: QuickReply) -> Dict[str, Any]:
    editor = quick_reply.editor.display_name if quick_reply.editor is not None else None
    return {"id": quick_reply.id, "title": quick_reply.title, "text": quick_reply.text, "updated_by": editor,
            "updated_at": views.local_time(quick_reply.updated_at)}


def _listed(session: Any, may_edit: bool) -> Dict[str, Any]:
    return {"quick_replies": [_view(q) for q in quick_replies.quick_replies(session)], "may_edit": may_edit}


def _create(session: Any, agent_id: int, title: str, text: str) -> Dict[str, Any]:
    return _view(quick_replies.create(session, title, text, agent_id))


def _change(session: Any, agent_id: int, title: str, text: str, quick_reply_id: int) -> Dict[str, Any]:
    return _view(quick_replies.change(session, quick_reply_id, title, text, agent_id))


async def _changed(request: Request, agent: Agent, change: Callable[..., Dict[str, Any]], *args: Any) -> HTTPResponse:
    """Create or change one from the request's JSON {title, text}; the reason in Chinese when refused."""
    if not is_supervisor(agent):
        return api_error("只有主管可以管理快捷回复", 403)
    body = request.json if isinstance(request.json, dict) else {}
    title, text = body.get("title"), body.get("text")
    if not isinstance(title, str) or not isinstance(text, str):
        return api_error("请填写标题和内容", 400)
    try:
        view = await in_transaction(change, agent.id, title, text, *args)
    except quick_replies.QuickReplyError as error:
        return api_error(str(error), 400)
    except LookupError:
        return api_error("这条快捷回复不存在或已被删除", 404)
    except IntegrityError:  # two supervisors saved the same new title at once
        return api_error(f"已有标题为“{title.strip()}”的快捷回复", 400)
    logger.info("console: %s saved quick reply %s (%s)", agent.username, view["id"], view["title"])
    return response.json({"quick_reply": view}, status=201 if change is _create else 200)
