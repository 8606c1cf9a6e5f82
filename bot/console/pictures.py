"""Pictures in the console: customers' and agents' pictures shown to agents (a session is needed), and an agent
sending one to the customer (stored by bot.media, delivered by the customer's channel)."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any, Callable, Dict

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.auth import agent_api, api_error
from bot.handoff import live, tickets
from bot.media import files as media
from bot.media.storage import MEDIA_FAULTS
from bot.store.db import in_transaction
from bot.store.models import Agent, HandoffTicket

logger = logging.getLogger(__name__)

Route = Callable[..., Callable[[Callable[..., Any]], Any]]


def add_routes(route: Route) -> None:
    """The pictures' API on the console's blueprint (`route` as in bot.console.channel)."""

    @route("/api/media/<media_id:str>", "GET")
    @agent_api
    async def picture(request: Request, media_id: str, agent: Agent) -> HTTPResponse:
        return await _served(media_id, thumbnail=False)

    @route("/api/media/<media_id:str>/thumb", "GET")
    @agent_api
    async def thumbnail(request: Request, media_id: str, agent: Agent) -> HTTPResponse:
        return await _served(media_id, thumbnail=True)

    @route("/api/tickets/<ticket_id:int>/picture", "POST")
    @agent_api
    async def send(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
        """JSON {"data": base64 of the picture} (JSON, like every change: a cross-site form cannot send it)."""
        body = request.json if isinstance(request.json, dict) else {}
        try:
            data = base64.b64decode(str(body.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            return api_error("图片数据无法读取，请重新选择图片", 400)
        try:
            sent = await in_transaction(_stored, ticket_id, agent.id, data)
        except tickets.TicketError:
            return api_error("这个会话不在您的服务中", 409)
        except media.NotAPicture as error:
            return api_error(str(error), 400)
        except MEDIA_FAULTS as error:
            logger.error("console: a picture for ticket %s could not be stored: %s", ticket_id, error)
            return api_error(media.NOT_STORED, 503)
        try:
            await live.post_picture(request.app.ctx.agent, sent["channel"], sent["conversation_id"], sent["picture"],
                                    media.widget_url(sent["picture"]["id"]),
                                    {live.AGENT_MESSAGE: agent.display_name, "agent_id": agent.id})
        except live.DeliveryFailed as error:
            return api_error(f"图片已保存，但未能送达客户（{error}），请稍后重试或换其他方式联系", 502)
        logger.info("console: %s sent a picture on ticket %s", agent.username, ticket_id)
        return response.json({"ok": True, "id": sent["picture"]["id"]})


def _stored(session: Any, ticket_id: int, agent_id: int, data: bytes) -> Dict[str, Any]:
    """The agent's own conversation (its activity recorded), then the picture stored for it."""
    tickets.touch(session, ticket_id, agent_id)
    ticket = session.get(HandoffTicket, ticket_id)
    record = media.save_picture(session, data, ticket.conversation_id, ticket.channel, "agent", agent_id)
    return {"channel": ticket.channel, "conversation_id": ticket.conversation_id, "picture": media.reference(record)}


async def _served(media_id: str, thumbnail: bool) -> HTTPResponse:
    try:
        data, content_type = await in_transaction(media.picture_bytes, media_id, thumbnail)
    except LookupError:
        return api_error("图片不存在", 404)
    except MEDIA_FAULTS as error:
        logger.error("console: picture %s unavailable: %s", media_id, error)
        return api_error("图片暂时无法读取", 503)
    return response.raw(data, content_type=content_type, headers=media.SERVED_HEADERS)
