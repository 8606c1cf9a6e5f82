"""The console's inbox of unanswered questions, for the knowledge team and supervisors (CONSOLE_KNOWLEDGE_USERS,
HANDOFF_SUPERVISORS): grouped as bot.learning.inbox groups them; a group can be dismissed. Adding a group to a
knowledge entry and publishing come next (issue 17)."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import views
from bot.console.auth import agent_api, api_error
from bot.core.settings import settings
from bot.learning import inbox
from bot.store.db import in_transaction
from bot.store.models import Agent

logger = logging.getLogger(__name__)

Route = Callable[..., Callable[[Callable[..., Any]], Any]]
NOT_ALLOWED = "只有知识库维护人员和主管可以处理未解答问题"
MAX_IDS = 5000


def add_routes(route: Route) -> None:
    """The inbox's API on the console's blueprint (`route` as in bot.console.channel)."""

    @route("/api/inbox", "GET")
    @agent_api
    async def listed(request: Request, agent: Agent) -> HTTPResponse:
        if not may_work_inbox(agent):
            return api_error(NOT_ALLOWED, 403)
        return response.json({"groups": await in_transaction(_groups_view)})

    @route("/api/inbox/dismiss", "POST")
    @agent_api
    async def dismissed(request: Request, agent: Agent) -> HTTPResponse:
        if not may_work_inbox(agent):
            return api_error(NOT_ALLOWED, 403)
        body = request.json if isinstance(request.json, dict) else {}
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS \
                or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return api_error("请选择要忽略的问题", 400)
        count = await in_transaction(inbox.dismiss, ids, agent.id)
        logger.info("console: %s dismissed %d unanswered questions", agent.username, count)
        return response.json({"dismissed": count})


def may_work_inbox(agent: Agent) -> bool:
    return agent.username in settings().knowledge_users


def _groups_view(session: Any) -> List[Dict[str, Any]]:
    return [{"text": g.text, "count": g.count, "ids": g.ids, "examples": g.examples,
             "reasons": sorted(inbox.REASONS.get(r, r) for r in g.reasons), "guess": g.guess,
             "last_at": views.local_time(g.last_at)} for g in inbox.open_groups(session)]
