"""The agent console, mounted in the Rasa server as an input channel (credentials.yml: bot.console.channel.AgentConsole)
so that it shares the server's tracker store, lock store, response templates and channel deliveries.

Pages: /console/ (the app) and /console/login. JSON API under /console/api/; live updates by Server-Sent Events.
Every response carries the console's security headers and no CORS (bot.console.security); log-ins are throttled
per username and per address (bot.console.throttle).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Text, Tuple, Union

from rasa.core.agent import Agent as RasaAgent
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.console import composer, inbox, notes, pictures, routing, security, throttle, views
from bot.console.auth import (
    COOKIE,
    PREFIX,
    agent_api,
    agent_page,
    api_error,
    clear_session_cookie,
    is_supervisor,
    set_session_cookie,
)
from bot.core.delivery import agent_typing, handoff_changed
from bot.core.hours import WorkingHours
from bot.core.settings import settings
from bot.handoff import history, live, messages, tickets
from bot.handoff.notes import notes_of
from bot.handoff.routing import check_capacity
from bot.handoff.agents import authenticate
from bot.handoff.sessions import (
    agents_online,
    end_session,
    mark_away,
    mark_seen,
    start_session,
)
from bot.identifiers import mask_phone
from bot.store.db import in_transaction
from bot.store.models import Agent, HandoffTicket

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
ASSETS = {"console.js", "alerts.js", "composer.js", "routing.js", "notes.js", "inbox.js", "console.css", "login.js"}  # served to anyone: the log-in page needs them
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # all routed here, so every answer is the console's
MAX_REPLY_LENGTH = 2000
STREAM_POLL_SECONDS = 1.0
PRESENCE_REFRESH_SECONDS = 30.0
KEEPALIVE_SECONDS = 15.0


def idle_limit() -> timedelta:
    """HANDOFF_AGENT_IDLE_MINUTES (default 10): an assigned conversation with no agent reply for this long
    goes back to the queue."""
    return timedelta(minutes=settings().handoff_agent_idle_minutes)


def idle_check_seconds() -> float:
    """HANDOFF_IDLE_CHECK_SECONDS (default 60): how often idle agents' conversations are looked for."""
    return settings().handoff_idle_check_seconds


_db = in_transaction  # a function of a session, in one transaction, off the event loop


def _ticket(session: Any, ticket_id: int) -> Optional[HandoffTicket]:
    return session.get(HandoffTicket, ticket_id)


class AgentConsole(InputChannel):
    """Not a customer channel: it reuses the input-channel mechanism to serve the console's routes."""

    @classmethod
    def name(cls) -> Text:
        return "console"

    def url_prefix(self) -> Text:
        return PREFIX

    def blueprint(self, on_new_message: Callable[[UserMessage], Any]) -> Blueprint:
        console = Blueprint("tp_agent_console", __name__)

        def route(path: str, *methods: str) -> Callable[[Callable[..., Any]], Any]:
            """A console route answering `methods`. It is registered for every method, so that OPTIONS and
            wrong methods are answered here too (with the console's headers), not by Sanic or sanic-cors."""

            def register(handler: Callable[..., Any]) -> Any:
                @functools.wraps(handler)
                async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                    if request.method == "OPTIONS":
                        return security.preflight(request)
                    if request.method not in methods:
                        return response.json({"error": "method not allowed"}, status=405,
                                             headers={"Allow": ", ".join(methods)})
                    return await handler(request, *args, **kwargs)

                return console.route(path, methods=METHODS)(checked)

            return register

        @console.middleware("request")
        async def cross_site(request: Request) -> Optional[HTTPResponse]:
            return security.refuse_cross_site(request, f"{PREFIX}/api/")

        @console.middleware("response")
        async def headers(request: Request, resp: HTTPResponse) -> Optional[HTTPResponse]:
            return security.harden(request, resp)

        @console.listener("after_server_start")
        async def start_requeue(app: Any, loop: Any) -> None:
            app.ctx.tp_requeue_task = asyncio.get_running_loop().create_task(_requeue_idle_forever(app))

        @console.listener("before_server_stop")
        async def stop_requeue(app: Any, loop: Any) -> None:
            task = getattr(app.ctx, "tp_requeue_task", None)
            if task is not None:  # ended here, not destroyed pending ("Task was destroyed…" in the log)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

        @route("/", "GET")
        @agent_page
        async def index(request: Request) -> HTTPResponse:
            return await response.file(STATIC / "index.html", headers=_no_store())

        @route("/login", "GET")
        async def login_page(request: Request) -> HTTPResponse:
            return await response.file(STATIC / "login.html", headers=_no_store())

        @route("/static/<name:str>", "GET")
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in ASSETS:
                return api_error("not found", 404)
            return await response.file(STATIC / name, headers=_no_store())

        @route("/api/login", "POST")
        async def login(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            username, password = str(body.get("username") or ""), str(body.get("password") or "")
            if not username or not password:
                return api_error("请输入用户名和密码", 400)
            address = throttle.client_address(request)
            async with _log_in_lock(request.app):
                result = await _db(_log_in, username, password, address)
            if isinstance(result, int):
                logger.warning("console: log-in for %r from %s refused for %d s: too many failed log-ins",
                               username, address, result)
                resp = api_error(throttle.wait_message(result), 429)
                resp.headers["Retry-After"] = str(result)
                return resp
            if result is None:
                return api_error("用户名或密码错误", 401)
            token, agent = result
            logger.info("console: %s logged in from %s", agent["username"], address)
            resp = response.json({"agent": agent})
            set_session_cookie(resp, token, request)
            return resp

        @route("/api/logout", "POST")
        @agent_api
        async def logout(request: Request, agent: Agent) -> HTTPResponse:
            await _db(_log_out, request.cookies.get(COOKIE), agent.id)
            resp = response.json({"ok": True})
            clear_session_cookie(resp)
            return resp

        @route("/api/me", "GET")
        @agent_api
        async def me(request: Request, agent: Agent) -> HTTPResponse:
            return response.json({"agent": _agent_view(agent)})

        @route("/api/queue", "GET")
        @agent_api
        async def queue(request: Request, agent: Agent) -> HTTPResponse:
            return response.json(await _db(_queue_view, agent.id))

        @route("/api/tickets/<ticket_id:int>", "GET")
        @agent_api
        async def ticket(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            detail = await _db(_ticket_detail, ticket_id)
            if detail is None:
                return api_error("会话不存在", 404)
            tracker = await request.app.ctx.agent.processor.get_tracker(detail["ticket"]["conversation_id"])
            detail["history"] = views.history(tracker)
            detail["suggestions"] = views.suggestions(tracker) if detail["ticket"]["status"] != "closed" else []
            phones = views.verified_phones(tracker)
            detail["summary"]["verified"] = [mask_phone(phone) for phone in phones]
            detail["customers"] = await _db(views.customer_records, phones)
            detail["mine"] = detail["ticket"]["agent_id"] == agent.id
            return response.json(detail)

        @route("/api/tickets/<ticket_id:int>/claim", "POST")
        @agent_api
        async def claim(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            try:
                ticket = await _db(_claim, ticket_id, agent)
            except tickets.TicketError as error:  # the agent's limit of conversations at once
                return api_error(str(error), 409)
            if ticket is None:
                return api_error("该会话已被其他客服接入或已结束", 409)
            logger.info("console: %s claimed ticket %s", agent.username, ticket_id)
            await _notify(request.app.ctx.agent, ticket, "utter_handoff_agent_joined", agent_name=agent.display_name)
            await handoff_changed(ticket["channel"], ticket["conversation_id"], "agent_joined", agent.display_name)
            return response.json({"ok": True})

        @route("/api/tickets/<ticket_id:int>/reply", "POST")
        @agent_api
        async def reply(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            text = str(body.get("text") or "").strip()
            if not text or len(text) > MAX_REPLY_LENGTH:
                return api_error(f"回复不能为空，且不超过 {MAX_REPLY_LENGTH} 字", 400)
            ticket = await _db(_touch, ticket_id, agent.id)
            if ticket is None:
                return api_error("这个会话不在您的服务中", 409)
            try:
                await live.post_message(request.app.ctx.agent, ticket["channel"], ticket["conversation_id"], text,
                                        {live.AGENT_MESSAGE: agent.display_name, "agent_id": agent.id})
            except live.DeliveryFailed as error:
                return api_error(f"消息已保存，但未能送达客户（{error}），请稍后重试或换其他方式联系", 502)
            return response.json({"ok": True})

        @route("/api/tickets/<ticket_id:int>/typing", "POST")
        @agent_api
        async def typing(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            """The agent is writing a reply: the customer's widget shows it (Telegram: "typing…"); counts as
            activity, so a conversation whose agent is writing a long answer is not taken back as idle."""
            ticket = await _db(_touch, ticket_id, agent.id)
            if ticket is None:
                return api_error("这个会话不在您的服务中", 409)
            if _typing_due(request.app, ticket_id):  # a console sends it every 3 s; a script may not be so kind
                await agent_typing(ticket["channel"], ticket["conversation_id"], agent.display_name)
            return response.json({"ok": True})

        @route("/api/tickets/<ticket_id:int>/read", "POST")
        @agent_api
        async def read(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            if not await _db(tickets.mark_read, ticket_id, agent.id):
                return api_error("这个会话不在您的服务中", 409)
            return response.json({"ok": True})

        @route("/api/tickets/<ticket_id:int>/close", "POST")
        @agent_api
        async def close(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            ticket = await _db(_close, ticket_id, agent.id, is_supervisor(agent))
            if ticket is None:
                return api_error("只能结束您自己正在服务的会话", 403)
            logger.info("console: %s closed ticket %s", agent.username, ticket_id)
            await _index_conversation(request.app.ctx.agent, ticket)
            return await _resume_bot(request.app.ctx.agent, ticket)

        @route("/api/tickets/<ticket_id:int>/release", "POST")
        @agent_api
        async def release(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            ticket = await _db(_release, ticket_id, agent.id, is_supervisor(agent))
            if ticket is None:
                return api_error("只能转回您自己正在服务的会话", 403)
            logger.info("console: %s put ticket %s back in the queue", agent.username, ticket_id)
            await _notify(request.app.ctx.agent, ticket, "utter_handoff_requeued")
            await handoff_changed(ticket["channel"], ticket["conversation_id"], "queued")
            return response.json({"ok": True})

        @route("/api/messages", "GET")
        @agent_api
        async def messages_left(request: Request, agent: Agent) -> HTTPResponse:
            return response.json(await _db(_messages_view))

        @route("/api/messages/<ticket_id:int>/callback", "POST")
        @agent_api
        async def callback(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            try:
                await _db(messages.set_callback_status, ticket_id, str(body.get("status") or ""), agent.id,
                          agent.display_name, str(body.get("note") or ""))
            except tickets.TicketError as error:
                return api_error(str(error), 409)
            logger.info("console: %s marked message %s %s", agent.username, ticket_id, body.get("status"))
            return response.json({"ok": True})

        @route("/api/messages/<ticket_id:int>/close", "POST")
        @agent_api
        async def close_message(request: Request, ticket_id: int, agent: Agent) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            try:
                ticket = await _db(_close_message, ticket_id, agent.id, agent.display_name, str(body.get("note") or ""))
            except tickets.TicketError as error:
                return api_error(str(error), 409)
            logger.info("console: %s closed message %s", agent.username, ticket_id)
            await _index_conversation(request.app.ctx.agent, ticket)
            return await _resume_bot(request.app.ctx.agent, ticket)

        @route("/api/history", "GET")
        @agent_api
        async def closed(request: Request, agent: Agent) -> HTTPResponse:
            try:
                search = _history_search(request.args)
            except ValueError as error:
                return api_error(str(error), 400)
            return response.json(await _db(_history_view, search))

        @route("/api/stream", "GET")
        @agent_api
        async def stream(request: Request, agent: Agent) -> HTTPResponse:
            ticket_id = request.args.get("ticket")
            watched = int(ticket_id) if ticket_id and ticket_id.isdigit() else None
            resp = await request.respond(content_type="text/event-stream",
                                         headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
            await _stream_changes(request.app.ctx.agent, resp, agent.id, watched)
            return resp

        composer.add_routes(route)
        routing.add_routes(route)
        notes.add_routes(route)
        pictures.add_routes(route)
        inbox.add_routes(route)

        # Anything else under /console: not found, with the console's headers. (Not `<rest:path>`: that matches
        # the empty path too, and would take /console/ from the page.)
        @route("/<rest:[^/].*>", *METHODS)
        async def unknown(request: Request, rest: str) -> HTTPResponse:
            if request.method == "GET" and rest.endswith("/"):  # /console/login/ as /console/login
                return response.redirect(f"{PREFIX}/{rest.rstrip('/')}")
            return api_error("not found", 404)

        return console


def _no_store() -> Dict[str, str]:
    return {"Cache-Control": "no-store"}


def _agent_view(agent: Agent) -> Dict[str, Any]:
    return {"id": agent.id, "username": agent.username, "display_name": agent.display_name,
            "supervisor": is_supervisor(agent), "knowledge": inbox.may_work_inbox(agent)}


TYPING_EVERY_SECONDS = 2.5


def _typing_due(app: Any, ticket_id: int) -> bool:
    """At most one typing signal per conversation every TYPING_EVERY_SECONDS from this server (the platforms
    rate-limit their APIs, Telegram's sendChatAction included)."""
    sent = getattr(app.ctx, "tp_typing", None)
    if sent is None:
        sent = app.ctx.tp_typing = {}
    now = asyncio.get_running_loop().time()
    if now - sent.get(ticket_id, float("-inf")) < TYPING_EVERY_SECONDS:
        return False
    if len(sent) > 10_000:
        sent.clear()
    sent[ticket_id] = now
    return True


def _log_in_lock(app: Any) -> asyncio.Lock:
    """One log-in at a time per server, so that parallel guesses cannot all pass the throttle's check before the
    first failure is written (a log-in takes one scrypt, about 50 ms)."""
    lock = getattr(app.ctx, "tp_log_ins", None)
    if lock is None:
        lock = app.ctx.tp_log_ins = asyncio.Lock()
    return lock


def _log_in(session: Any, username: str, password: str,
            address: str) -> Union[None, int, Tuple[str, Dict[str, Any]]]:
    """(token, agent view) for the right credentials; None for wrong ones; the seconds to wait when this username
    or address is locked (then the password is not checked at all)."""
    wait = throttle.retry_after(session, username, address)
    if wait is not None:
        return wait
    agent = authenticate(session, username, password)
    if agent is None:
        throttle.record_failure(session, username, address)
        user, place = throttle.recent_failures(session, username, address)
        logger.warning("console: failed log-in for %r from %s (%d for this user, %d from this address in 15 min)",
                       username, address, user, place)
        return None
    throttle.succeeded(session, username)
    return start_session(session, agent), _agent_view(agent)


def _log_out(session: Any, token: Optional[str], agent_id: int) -> None:
    end_session(session, token)
    mark_away(session, agent_id)


def _queue_view(session: Any, agent_id: int) -> Dict[str, Any]:
    return {
        "waiting": [views.ticket_view(t) for t in tickets.waiting_queue(session)],
        "mine": [views.ticket_view(t) for t in tickets.agent_tickets(session, agent_id)],
        "agents_online": agents_online(session),
        "in_hours": WorkingHours.configured().is_open(),
        "messages": messages.counts(session),
    }


def _messages_view(session: Any) -> Dict[str, Any]:
    return {"messages": [views.ticket_view(t) for t in messages.messages_left(session)],
            "counts": messages.counts(session)}


def _history_search(args: Any) -> history.Search:
    """The history query from the request's arguments (q, from, to: YYYY-MM-DD, page); ValueError in Chinese
    for the agent when one is malformed."""
    text = str(args.get("q") or "").strip()
    if len(text) > history.MAX_QUERY_LENGTH:
        raise ValueError(f"搜索内容不能超过 {history.MAX_QUERY_LENGTH} 字")
    days = []
    for name in ("from", "to"):
        value = str(args.get(name) or "").strip()
        try:
            days.append(date.fromisoformat(value) if value else None)
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD，例如 2026-12-01") from None
    if days[0] and days[1] and days[0] > days[1]:
        raise ValueError("开始日期不能晚于结束日期")
    page = str(args.get("page") or "1")
    if not page.isdigit() or not 1 <= int(page) <= 1000:
        raise ValueError("页码应为 1 到 1000 之间的整数")
    return history.Search(text=text, since=days[0], until=days[1], page=int(page))


def _history_view(session: Any, search: history.Search) -> Dict[str, Any]:
    found, total = history.closed_conversations(session, search)
    return {"tickets": [views.ticket_view(t) for t in found], "total": total, "page": search.page,
            "pages": max(1, -(-total // history.PAGE_SIZE))}


async def _index_conversation(agent: RasaAgent, ticket: Dict[str, Any]) -> None:
    """After a close: the ticket's search keys from the whole conversation, agent's part included (an order
    number the customer gave the agent finds the conversation later). A fault here loses only searchability."""
    try:
        tracker = await agent.processor.get_tracker(ticket["conversation_id"])
        keys = history.search_keys(views.texts(tracker), views.customer_phones(tracker))
        await _db(history.record_search_keys, ticket["id"], keys)
    except (SQLAlchemyError, OSError) as error:
        logger.error("console: ticket %s closed but not indexed for search: %s", ticket["id"], error)


def _close_message(session: Any, ticket_id: int, agent_id: int, agent_name: str, note: str) -> Dict[str, Any]:
    messages.close_message(session, ticket_id, agent_id, agent_name, note)
    return _ticket_ref(_ticket(session, ticket_id))


def _ticket_detail(session: Any, ticket_id: int) -> Optional[Dict[str, Any]]:
    ticket = _ticket(session, ticket_id)
    if ticket is None:
        return None
    return {"ticket": views.ticket_view(ticket), "summary": views.summary_view(ticket),
            "notes": [notes.note_view(note) for note in notes_of(session, ticket_id)]}


def _ticket_ref(ticket: HandoffTicket) -> Dict[str, Any]:
    return {"id": ticket.id, "channel": ticket.channel, "conversation_id": ticket.conversation_id}


def _ref_if(session: Any, ticket_id: int, changed: bool) -> Optional[Dict[str, Any]]:
    """What the caller needs to act on a ticket it just changed; None when the change was refused."""
    return _ticket_ref(_ticket(session, ticket_id)) if changed else None


def _claim(session: Any, ticket_id: int, agent: Agent) -> Optional[Dict[str, Any]]:
    check_capacity(session, agent)
    return _ref_if(session, ticket_id, tickets.claim(session, ticket_id, agent.id))


def _touch(session: Any, ticket_id: int, agent_id: int) -> Optional[Dict[str, Any]]:
    try:
        tickets.touch(session, ticket_id, agent_id)
    except tickets.TicketError:
        return None
    return _ref_if(session, ticket_id, True)


def _close(session: Any, ticket_id: int, agent_id: int, supervisor: bool) -> Optional[Dict[str, Any]]:
    return _ref_if(session, ticket_id, tickets.close(session, ticket_id, agent_id, allow_other_agents=supervisor))


def _release(session: Any, ticket_id: int, agent_id: int, supervisor: bool) -> Optional[Dict[str, Any]]:
    return _ref_if(session, ticket_id, tickets.release(session, ticket_id, None if supervisor else agent_id))


async def _resume_bot(agent: RasaAgent, ticket: Dict[str, Any]) -> HTTPResponse:
    """After a ticket was closed: the customer's channel is told, the bot resumes and asks for a rating."""
    await handoff_changed(ticket["channel"], ticket["conversation_id"], "agent_left")
    try:
        await live.run_action(agent, ticket["channel"], ticket["conversation_id"], "action_handoff_resume")
    except Exception:  # noqa: BLE001 - the ticket is closed; the bot resumes on the customer's next message
        logger.exception("console: resuming the bot after closing ticket %s failed", ticket["id"])
        return response.json({"ok": True, "warning": "会话已结束，机器人将在客户下次发言时恢复服务"})
    return response.json({"ok": True})


async def _notify(agent: RasaAgent, ticket: Dict[str, Any], response_name: str, **values: Any) -> None:
    """A hand-off notice to the customer; a delivery fault is logged (the notice stays in the history)."""
    try:
        await live.say(agent, ticket["channel"], ticket["conversation_id"], response_name, **values)
    except live.DeliveryFailed:
        pass


def _queue_state(session: Any) -> Tuple:
    rows = session.execute(
        select(HandoffTicket.id, HandoffTicket.status, HandoffTicket.agent_id, HandoffTicket.callback_status,
               HandoffTicket.customer_messages, HandoffTicket.read_messages)
        .where(HandoffTicket.status.in_(tickets.OPEN_STATUSES))
        .order_by(HandoffTicket.id)
    ).all()
    return tuple(tuple(row) for row in rows)


def _ticket_state(session: Any, ticket_id: int) -> Optional[Tuple]:
    ticket = _ticket(session, ticket_id)
    return None if ticket is None else (ticket.status, ticket.agent_id, ticket.rating, ticket.callback_status,
                                        ticket.callback_note)


async def _stream_changes(agent: RasaAgent, resp: Any, agent_id: int, ticket_id: Optional[int]) -> None:
    """Push "queue" and "conversation" events when they change (polled, so that changes made by the action
    server or another server replica show too); refresh the agent's presence while connected."""
    loop = asyncio.get_running_loop()
    last: Dict[str, Any] = {}
    last_seen = last_sent = 0.0
    conversation_id: Optional[str] = None
    try:
        while True:
            now = loop.time()
            if now - last_seen >= PRESENCE_REFRESH_SECONDS:
                await _db(mark_seen, agent_id)
                last_seen = now
            state = {"queue": await _db(_queue_state)}
            if ticket_id is not None:
                if conversation_id is None:
                    conversation_id = await _db(lambda s: getattr(_ticket(s, ticket_id), "conversation_id", None))
                tracker_size = len((await agent.processor.get_tracker(conversation_id)).events) if conversation_id else 0
                state["conversation"] = (await _db(_ticket_state, ticket_id), tracker_size)
            for name, value in state.items():
                if last.get(name, ...) != value:
                    await resp.send(f"event: {name}\ndata: {json.dumps({'changed': name})}\n\n")
                    last[name] = value
                    last_sent = now
            if now - last_sent >= KEEPALIVE_SECONDS:
                await resp.send(": keep-alive\n\n")
                last_sent = now
            await asyncio.sleep(STREAM_POLL_SECONDS)
    except (ConnectionError, OSError):
        return  # the agent closed the page or lost the connection (Sanic may also cancel the task)
    except SQLAlchemyError as error:
        logger.error("console: live updates stopped, database unavailable: %s", error)


async def _requeue_idle_forever(app: Any) -> None:
    """Periodically: conversations whose agent has been idle too long go back to the queue."""
    while True:
        await asyncio.sleep(idle_check_seconds())
        try:
            requeued = await _db(lambda s: [_ticket_ref(_ticket(s, i)) for i in tickets.requeue_idle(s, idle_limit())])
        except SQLAlchemyError as error:
            logger.error("console: idle check failed: %s", error)
            continue
        for ticket in requeued:
            logger.info("console: ticket %s back in the queue, its agent was idle", ticket["id"])
            await _notify(app.ctx.agent, ticket, "utter_handoff_requeued")
            await handoff_changed(ticket["channel"], ticket["conversation_id"], "queued")
