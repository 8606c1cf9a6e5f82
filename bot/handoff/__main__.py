"""`python -m bot.handoff`: manage agent accounts and look at the hand-off queue.

  python -m bot.handoff add-agent USERNAME [--name 显示名] [--max-conversations N]
                                                          (asks for the password, or --password-stdin)
  python -m bot.handoff queue
  python -m bot.handoff demo-agent     (the demo account `make run` creates: demo / CONSOLE_DEMO_PASSWORD,
                                        and starter quick replies if there are none)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.core.settings import SettingsError, settings
from bot.handoff.agents import AgentError, create_agent
from bot.handoff import messages, quick_replies
from bot.handoff.tickets import queue_position, waiting_queue
from bot.store import schema
from bot.store.db import transaction
from bot.store.models import Agent

DEMO_AGENT = "demo"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AgentError("the passwords differ")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.handoff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-agent", help="create an agent account")
    add.add_argument("username")
    add.add_argument("--name", default="", help="display name shown to colleagues")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--max-conversations", type=int, default=None,
                     help="conversations this agent serves at once (default: HANDOFF_MAX_CONVERSATIONS)")
    commands.add_parser("queue", help="list the waiting conversations, oldest first")
    commands.add_parser("demo-agent", help="create the demo agent if it does not exist")
    args = parser.parse_args(argv)
    try:
        schema.upgrade()
        with transaction() as session:
            if args.command == "add-agent":
                if args.max_conversations is not None and args.max_conversations < 1:
                    raise AgentError("--max-conversations must be at least 1")
                agent = create_agent(session, args.username, args.name, _password(args))
                agent.max_conversations = args.max_conversations
                print(f"handoff: agent {agent.username} ({agent.display_name}) created")
            elif args.command == "demo-agent":
                password = settings().console_demo_password
                if session.execute(select(Agent.id).where(Agent.username == DEMO_AGENT)).first() is None:
                    create_agent(session, DEMO_AGENT, "演示客服", password)
                    print(f"handoff: demo agent created: {DEMO_AGENT} / {password}")
                else:
                    print(f"handoff: demo agent {DEMO_AGENT} exists")
                added = quick_replies.add_defaults(session)
                if added:
                    print(f"handoff: {added} starter quick replies added (supervisors edit them in the console)")
            else:
                tickets = waiting_queue(session)
                for ticket in tickets:
                    print(f"#{queue_position(session, ticket)}  ticket {ticket.id}  {ticket.channel}  "
                          f"{ticket.reason}  since {ticket.created_at:%Y-%m-%d %H:%M} UTC")
                left = messages.counts(session)
                print(f"handoff: {len(tickets)} waiting; messages left: {left['to_call']} to call back, "
                      f"{left['called']} called")
    except AgentError as error:
        print(f"handoff: {error}", file=sys.stderr)
        return 1
    except SettingsError as error:
        print(f"handoff: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"handoff: database error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
