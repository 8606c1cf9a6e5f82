"""`make eval-conversations`: whole conversations, written the way customers chat, replayed against the running bot.

The conversations live in `tests/data/conversations/*.yml` (format below), written from the company's documents
and records by people who had not seen the training data or the bot's answers; `held_out.yml` is never used to
derive training examples. The bot is started as `make run` starts it (trained model, action server, a fresh
SQLite database with the demo records) and every conversation is replayed over the REST webhook as a new
customer. A turn is right when every `expect` pattern matches the bot's reply to it (all its messages and button
titles) and no `reject` pattern does. Prints turn accuracy per split and category, and the failures; writes
`reports/conversations.md`, and keeps the servers' logs of each split in `reports/conversation-logs/`.

    conversations:
      - id: context-01
        category: context
        note: parcel not received, then only the order number
        turns:
          - user: 我买的路由器还没收到
            expect: ['订单号']
          - user: TP202611050017
            expect: ['后\\s*4\\s*位|尾号']
          - click: 转人工          # press the button of the previous reply whose title contains this
            expect: ['人工']
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import httpx
import yaml

from bot.knowledge import PROJECT_ROOT
from bot.training import ensure_model

CONVERSATIONS_DIR = PROJECT_ROOT / "tests/data/conversations"
REPORT = PROJECT_ROOT / "reports/conversations.md"
LOGS_DIR = PROJECT_ROOT / "reports/conversation-logs"  # the servers' logs of the last run, per split
CATEGORIES = ("faq_paraphrase", "compound", "context", "identifiers", "lookups", "forms", "emotion",
              "out_of_scope", "english", "handoff")
# issue 15: own set, held-out split; held_out_b was written later by a second helper from the same documents,
# after fixes had been chosen from held_out's failures, so that one split stays unseen by whoever changes the bot.
TARGETS = {"dev": 0.95, "held_out": 0.90, "held_out_b": 0.90}
WEBHOOK = "/webhooks/rest/webhook"
CONCURRENT = 4  # conversations replayed at once (each is still one customer typing turn after turn)


class ConversationFileError(ValueError):
    """A conversation file is malformed; the message names the file, the conversation and the turn."""


@dataclass(frozen=True)
class Turn:
    message: Optional[str]  # what the customer types, or None when a button is pressed
    click: Optional[str]  # part of the title of the previous reply's button to press
    expect: Tuple["re.Pattern[str]", ...]
    reject: Tuple["re.Pattern[str]", ...]


@dataclass(frozen=True)
class Conversation:
    id: str
    category: str
    split: str
    note: str
    turns: Tuple[Turn, ...]


@dataclass
class TurnOutcome:
    conversation: Conversation
    index: int
    sent: str
    reply: str
    buttons: List[Dict[str, Any]] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # expect patterns that did not match
    unwanted: List[str] = field(default_factory=list)  # reject patterns that matched
    error: Optional[str] = None

    @property
    def right(self) -> bool:
        return self.error is None and not self.missing and not self.unwanted


# --- loading -----------------------------------------------------------------------------------------


def _patterns(raw: Any, where: str) -> Tuple["re.Pattern[str]", ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise ConversationFileError(f"{where}: expect/reject must be a list of regular expressions")
    try:
        return tuple(re.compile(item, re.IGNORECASE) for item in raw)
    except re.error as error:
        raise ConversationFileError(f"{where}: bad regular expression: {error}") from error


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict) or ("user" in raw) == ("click" in raw):
        raise ConversationFileError(f"{where}: a turn has either `user` (text) or `click` (a button title)")
    message = raw.get("user")
    click = raw.get("click")
    for value in (message, click):
        if value is not None and not isinstance(value, (str, int)):
            raise ConversationFileError(f"{where}: `user` and `click` are texts")
    expect = _patterns(raw.get("expect"), where)
    if not expect:
        raise ConversationFileError(f"{where}: a turn needs at least one `expect` pattern")
    return Turn(None if message is None else str(message), None if click is None else str(click), expect,
                _patterns(raw.get("reject"), where))


def load_file(path: Path) -> List[Conversation]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("conversations"), list):
        raise ConversationFileError(f"{path}: expected a mapping with `split` and a list `conversations`")
    split = str(document.get("split") or path.stem)
    conversations = []
    for position, raw in enumerate(document["conversations"], start=1):
        where = f"{path.name}: conversation #{position}"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ConversationFileError(f"{where}: needs an `id`")
        where = f"{path.name}: conversation {raw['id']}"
        if raw.get("category") not in CATEGORIES:
            raise ConversationFileError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
        turns = raw.get("turns")
        if not isinstance(turns, list) or not turns:
            raise ConversationFileError(f"{where}: needs a list of `turns`")
        conversations.append(Conversation(
            raw["id"], raw["category"], split, str(raw.get("note") or ""),
            tuple(_turn(turn, f"{where}, turn {n}") for n, turn in enumerate(turns, start=1))))
    return conversations


def load_conversations(directory: Path = CONVERSATIONS_DIR) -> List[Conversation]:
    conversations = [c for path in sorted(directory.glob("*.yml")) for c in load_file(path)]
    seen: Dict[str, str] = {}
    for conversation in conversations:
        if conversation.id in seen:
            raise ConversationFileError(f"conversation id {conversation.id} is used twice")
        seen[conversation.id] = conversation.split
    return conversations


# --- replaying ---------------------------------------------------------------------------------------


def reply_text(replies: Iterable[Dict[str, Any]]) -> str:
    """What the customer sees of a turn: every message, then every button title, one per line."""
    lines: List[str] = []
    for reply in replies:
        if reply.get("text"):
            lines.append(str(reply["text"]))
        lines.extend(str(button.get("title", "")) for button in reply.get("buttons") or [])
    return "\n".join(lines)


def _pressed(click: str, buttons: Sequence[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    return next((b for b in buttons if click in str(b.get("title", ""))), None)


# A range is written 3–5, 3—5, 3～5 or 3-5; checks are about the figures, so every range dash reads as "-".
_RANGE_DASHES = str.maketrans({dash: "-" for dash in "–—―‐‑−～〜~"})


def comparable(reply: str) -> str:
    """The reply as checks see it: range dashes folded to "-" (patterns list "-" in their dash classes)."""
    return reply.translate(_RANGE_DASHES)


def grade(outcome: TurnOutcome, turn: Turn) -> None:
    reply = comparable(outcome.reply)
    outcome.missing = [p.pattern for p in turn.expect if not p.search(reply)]
    outcome.unwanted = [p.pattern for p in turn.reject if p.search(reply)]


async def replay(client: httpx.AsyncClient, url: str, conversation: Conversation, run_id: str) -> List[TurnOutcome]:
    sender = f"eval-{run_id}-{conversation.id}"
    outcomes: List[TurnOutcome] = []
    buttons: List[Dict[str, Any]] = []
    for index, turn in enumerate(conversation.turns):
        sent = turn.message
        if turn.click is not None:
            button = _pressed(turn.click, buttons)
            if button is None:
                outcomes.append(TurnOutcome(conversation, index, f"[{turn.click}]", "",
                                            error=f"no button '{turn.click}' in the previous reply"))
                break
            sent = str(button.get("payload") or button.get("title"))
        outcome = TurnOutcome(conversation, index, sent or "", "")
        try:
            response = await client.post(f"{url}{WEBHOOK}", json={"sender": sender, "message": sent})
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as error:
            outcome.error = f"{type(error).__name__}: {error}"
            outcomes.append(outcome)
            break
        outcome.reply = reply_text(replies)
        outcome.buttons = [b for reply in replies for b in reply.get("buttons") or []]
        buttons = outcome.buttons
        grade(outcome, turn)
        outcomes.append(outcome)
    return outcomes


async def replay_all(url: str, conversations: Sequence[Conversation], progress: bool = True) -> List[TurnOutcome]:
    run_id = uuid.uuid4().hex[:6]
    queue = list(conversations)
    outcomes: List[TurnOutcome] = []
    done = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while queue:
            conversation = queue.pop(0)
            outcomes.extend(await replay(client, url, conversation, run_id))
            done += 1
            if progress and (done % 10 == 0 or done == len(conversations)):
                print(f"eval-conversations: {done}/{len(conversations)} conversations replayed", flush=True)

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENT)))
    order = {c.id: n for n, c in enumerate(conversations)}
    return sorted(outcomes, key=lambda o: (order[o.conversation.id], o.index))


# --- reporting ---------------------------------------------------------------------------------------


def scores(outcomes: Iterable[TurnOutcome]) -> Dict[str, Dict[str, Tuple[int, int]]]:
    """split -> category (and 'all') -> (right turns, turns)."""
    table: Dict[str, Dict[str, List[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for outcome in outcomes:
        for category in (outcome.conversation.category, "all"):
            cell = table[outcome.conversation.split][category]
            cell[0] += outcome.right
            cell[1] += 1
    return {split: {c: (v[0], v[1]) for c, v in row.items()} for split, row in table.items()}


def _percent(right: int, total: int) -> str:
    return f"{100 * right / total:.1f} % ({right}/{total})" if total else "–"


def summary_table(table: Dict[str, Dict[str, Tuple[int, int]]]) -> List[str]:
    splits = sorted(table, key=lambda s: (s != "dev", s))
    lines = ["| category | " + " | ".join(splits) + " |", "|---|" + "---|" * len(splits)]
    for category in (*CATEGORIES, "all"):
        cells = [_percent(*table[split].get(category, (0, 0))) for split in splits]
        lines.append(f"| {'**all turns**' if category == 'all' else category} | " + " | ".join(cells) + " |")
    return lines


def goals(table: Dict[str, Dict[str, Tuple[int, int]]]) -> List[Tuple[bool, str]]:
    results = []
    for split, target in TARGETS.items():
        right, total = table.get(split, {}).get("all", (0, 0))
        if not total:
            results.append((False, f"{split}: no conversations replayed"))
            continue
        share = right / total if total else 0.0
        results.append((share >= target, f"{split}: {share:.1%} of turns right (target {target:.0%})"))
    return results


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ⏎ ".join(line.strip() for line in text.splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def failure_lines(outcomes: Iterable[TurnOutcome]) -> List[str]:
    lines = []
    for outcome in outcomes:
        if outcome.right:
            continue
        c = outcome.conversation
        why = outcome.error or "; ".join(
            [f"missing /{p}/" for p in outcome.missing] + [f"unwanted /{p}/" for p in outcome.unwanted])
        lines.append(f"- {c.split} {c.id} turn {outcome.index + 1} ({c.category}): 「{outcome.sent}」 → "
                     f"「{_one_line(outcome.reply) or '(no reply)'}」 — {why}")
    return lines


def report(outcomes: List[TurnOutcome], conversations: Sequence[Conversation]) -> str:
    table = scores(outcomes)
    lines = [
        "# Conversation-level evaluation (`make eval-conversations`)", "",
        f"{len(conversations)} conversations, {len(outcomes)} customer turns replayed over the REST webhook "
        "against the trained model, the action server and the demo records. A turn is right when every expected "
        "pattern matches the bot's reply and no rejected one does. `held_out` is never used to derive training "
        "data.", "",
        *summary_table(table), "",
        "Goals:", *[f"- [{'x' if met else ' '}] {'met' if met else 'MISSED'}: {text}" for met, text in goals(table)],
        "", "## Failures", "", *(failure_lines(outcomes) or ["(none)"]), "",
    ]
    return "\n".join(lines)


# --- running -----------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.evaluation_conversations", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=CONVERSATIONS_DIR, help="conversation files (default: %(default)s)")
    parser.add_argument("--only", help="replay only conversations whose id contains this")
    parser.add_argument("--url", help="a running bot's base URL (default: start one as `make run` does)")
    args = parser.parse_args(argv)
    try:
        conversations = load_conversations(args.dir)
    except (ConversationFileError, OSError, yaml.YAMLError) as error:
        print(f"eval-conversations: {error}", file=sys.stderr)
        return 1
    if args.only:
        conversations = [c for c in conversations if args.only in c.id]
    if not conversations:
        print(f"eval-conversations: no conversations in {args.dir}", file=sys.stderr)
        return 1
    turns = sum(len(c.turns) for c in conversations)
    print(f"eval-conversations: {len(conversations)} conversations, {turns} turns", flush=True)
    outcomes = _run(args.url, conversations)
    text = report(outcomes, conversations)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    table = scores(outcomes)
    print("\n".join(summary_table(table)))
    for met, goal in goals(table):
        print(f"{'met' if met else 'MISSED'}: {goal}")
    print(f"failures and replies: {REPORT.relative_to(PROJECT_ROOT)}; servers' logs: {LOGS_DIR.relative_to(PROJECT_ROOT)}/")
    return 0 if all(met for met, _ in goals(table)) else 2


def _run(url: Optional[str], conversations: Sequence[Conversation]) -> List[TurnOutcome]:
    if url:
        return asyncio.run(replay_all(url, conversations))
    from tools.benchmark.__main__ import start_ours  # the bot as `make run` starts it, fresh demo records

    model = ensure_model()
    outcomes: List[TurnOutcome] = []
    # Conversations file repairs and returns in the records; each split gets a bot with fresh records, so that
    # one split's requests ("this device already has an open repair") never change the other's answers.
    for split in sorted({c.split for c in conversations}):
        with tempfile.TemporaryDirectory(prefix="tp-eval-") as work:
            print(f"eval-conversations: {split}: starting the action server and the Rasa server...", flush=True)
            base, rasa, actions = start_ours(model, Path(work))
            try:
                outcomes += asyncio.run(replay_all(base, [c for c in conversations if c.split == split]))
            finally:
                rasa.stop()
                actions.stop()
                _keep_logs(Path(work), split)
    return outcomes


def _keep_logs(work: Path, split: str) -> None:
    """The servers' logs of a split, kept beside the report (a failed turn's cause is often only there)."""
    LOGS_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("rasa.log", "actions.log"):
        if (work / name).exists():
            shutil.copyfile(work / name, LOGS_DIR / f"{split}-{name}")


if __name__ == "__main__":
    sys.exit(main())
