"""Unanswered questions (bot.store.unanswered records them) grouped for the knowledge team: the same question
written differently — width, case, punctuation, a trailing 吗/呢 — is one group, and near-identical wordings (shared
character pairs) join the most frequent group, so the list shows what customers ask most, first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Set

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.identifiers import fold_width
from bot.store.models import UnansweredQuestion

WINDOW = timedelta(days=90)
MAX_QUESTIONS = 5000  # the newest open ones: enough for a working list, small enough to group in memory
SIMILAR = 0.6  # Jaccard of character pairs from which two wordings are one question
EXAMPLES = 5
_NOISE = re.compile(r"[\s\W_]+|[吗呢啊呀吧哦么嘛]+$")
REASONS = {"fallback": "没听懂", "out_of_scope": "超出范围"}


def normalised(text: str) -> str:
    """The question without what does not change it: width, case, spaces, punctuation, a trailing particle."""
    folded = fold_width(text or "").lower()
    return _NOISE.sub("", _NOISE.sub("", folded))


def _pairs(text: str) -> Set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def _similar(a: Set[str], b: Set[str]) -> bool:
    return len(a & b) / len(a | b) >= SIMILAR if a or b else True


@dataclass
class Group:
    """One question as customers asked it, with how often and what the bot guessed."""

    text: str  # the most frequent wording
    ids: List[int] = field(default_factory=list)
    examples: List[str] = field(default_factory=list)
    reasons: Set[str] = field(default_factory=set)
    guesses: Dict[str, int] = field(default_factory=dict)
    last_at: Optional[datetime] = None

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def guess(self) -> Optional[str]:
        return max(self.guesses, key=self.guesses.get) if self.guesses else None


def group(questions: Iterable[UnansweredQuestion]) -> List[Group]:
    """Questions in groups, most frequent first (then the latest first)."""
    exact: Dict[str, List[UnansweredQuestion]] = {}
    for question in questions:
        key = normalised(question.text)
        if key:
            exact.setdefault(key, []).append(question)
    merged: List[tuple] = []  # (pairs of the representative, [questions])
    for key, members in sorted(exact.items(), key=lambda item: -len(item[1])):
        pairs = _pairs(key)
        home = next((entry for entry in merged if _similar(entry[0], pairs)), None)
        if home is None:
            merged.append((pairs, list(members)))
        else:
            home[1].extend(members)
    groups = [_group_of(members) for _, members in merged]
    return sorted(groups, key=lambda g: (-g.count, -(g.last_at.timestamp() if g.last_at else 0)))


def _group_of(members: List[UnansweredQuestion]) -> Group:
    wordings: Dict[str, int] = {}
    for question in members:
        wordings[question.text.strip()] = wordings.get(question.text.strip(), 0) + 1
    ordered = sorted(wordings, key=lambda text: -wordings[text])
    result = Group(text=ordered[0], examples=ordered[:EXAMPLES])
    for question in members:
        result.ids.append(question.id)
        result.reasons.add(question.reason)
        if question.intent:
            result.guesses[question.intent] = result.guesses.get(question.intent, 0) + 1
        if result.last_at is None or question.created_at > result.last_at:
            result.last_at = question.created_at
    return result


def open_groups(session: Session, now: Optional[datetime] = None) -> List[Group]:
    """The open questions of the last WINDOW, grouped."""
    since = (now or datetime.now(timezone.utc)) - WINDOW
    rows = session.execute(
        select(UnansweredQuestion)
        .where(UnansweredQuestion.status == "open", UnansweredQuestion.created_at >= since)
        .order_by(UnansweredQuestion.id.desc()).limit(MAX_QUESTIONS)
    ).scalars()
    return group(rows)


def dismiss(session: Session, ids: Iterable[int], agent_id: int) -> int:
    """Mark questions as not worth an answer (chit-chat, a test); returns how many were still open."""
    chosen = sorted({int(i) for i in ids})
    if not chosen:
        return 0
    return session.execute(
        update(UnansweredQuestion)
        .where(UnansweredQuestion.id.in_(chosen), UnansweredQuestion.status == "open")
        .values(status="dismissed", handled_by=agent_id, handled_at=datetime.now(timezone.utc))
        .execution_options(synchronize_session=False)
    ).rowcount
