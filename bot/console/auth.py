"""Who is calling: every console route needs a logged-in agent (session cookie; see bot.handoff.sessions).

Pages redirect to the log-in page; API calls get 401. State-changing API calls must be JSON: with the
SameSite=Strict cookie, another site cannot make an agent's browser send them.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.settings import settings
from bot.handoff.sessions import agent_for_token, session_lifetime
from bot.store.db import transaction
from bot.store.models import Agent

COOKIE = "tp_console"
PREFIX = "/console"
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}

Handler = Callable[..., Awaitable[HTTPResponse]]


def _agent_for(token: Optional[str]) -> Optional[Agent]:
    with transaction() as session:
        agent = agent_for_token(session, token)
        if agent is not None:
            session.expunge(agent)
        return agent


async def current_agent(request: Request) -> Optional[Agent]:
    return await asyncio.to_thread(_agent_for, request.cookies.get(COOKIE))


def is_supervisor(agent: Agent) -> bool:
    """HANDOFF_SUPERVISORS: who may act on other agents' conversations and keep the quick replies."""
    return agent.username in settings().supervisors


def api_error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def agent_api(handler: Handler) -> Handler:
    """An API route for logged-in agents; the agent is passed as `agent`."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        agent = await current_agent(request)
        if agent is None:
            return api_error("请先登录", 401)
        if request.method in CHANGES and request.content_type.split(";")[0].strip() != "application/json":
            return api_error("请求必须是 JSON", 415)
        return await handler(request, *args, agent=agent, **kwargs)

    return wrapped


def agent_page(handler: Handler) -> Handler:
    """A page for logged-in agents; others are sent to the log-in page."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if await current_agent(request) is None:
            return response.redirect(f"{PREFIX}/login")
        return await handler(request, *args, **kwargs)

    return wrapped


def set_session_cookie(resp: HTTPResponse, token: str, request: Request) -> None:
    resp.cookies[COOKIE] = token
    cookie = resp.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = PREFIX
    cookie["max-age"] = int(session_lifetime().total_seconds())
    if request.scheme == "https" or settings().console_cookie_secure:
        cookie["secure"] = True


def clear_session_cookie(resp: HTTPResponse) -> None:
    resp.cookies[COOKIE] = ""
    resp.cookies[COOKIE]["path"] = PREFIX
    resp.cookies[COOKIE]["max-age"] = 0
