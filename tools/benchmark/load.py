"""The load generator: conversations replayed over Rasa's REST webhook, N of them in flight at once.

Each conversation is one customer (a fresh sender id) whose turns go out one after another, as a person types:
before each message the customer pauses for a random time in `think` (reading and typing; (0, 0) for a stress
test with no pauses). Turn k goes to `urls[k % len(urls)]`, so with two replicas every conversation alternates
between them.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import httpx

from tools.benchmark.conversations import Turn

WEBHOOK = "/webhooks/rest/webhook"


@dataclass
class TurnResult:
    sender: str
    index: int
    turn: Turn
    url: str
    seconds: float
    replies: List[Dict[str, Any]] = field(default_factory=list)
    error: Optional[str] = None


@dataclass(frozen=True)
class Summary:
    turns: int
    errors: int
    turns_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass
class LoadRun:
    concurrency: int
    seconds: float
    results: List[TurnResult]

    def summary(self, kind: Optional[str] = None) -> Summary:
        """Latency percentiles of one kind of turn (all kinds when None); turns/s counts every turn."""
        chosen = [r for r in self.results if kind is None or r.turn.kind == kind]
        latencies = sorted(r.seconds * 1000 for r in chosen if r.error is None)
        return Summary(len(chosen), sum(r.error is not None for r in chosen), len(self.results) / self.seconds,
                       _percentile(latencies, 50), _percentile(latencies, 95), _percentile(latencies, 99))

    @property
    def errors(self) -> List[TurnResult]:
        return [r for r in self.results if r.error is not None]


def _percentile(values: Sequence[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


async def _converse(client: httpx.AsyncClient, urls: Sequence[str], sender: str, turns: List[Turn],
                    results: List[TurnResult], headers: Dict[str, str], pauses: random.Random,
                    think: Tuple[float, float]) -> None:
    for index, turn in enumerate(turns):
        if think[1] > 0:  # before the first turn too: customers do not all start in the same instant
            await asyncio.sleep(pauses.uniform(*think))
        url = urls[index % len(urls)]
        started = time.perf_counter()
        result = TurnResult(sender, index, turn, url, 0.0)
        try:
            response = await client.post(f"{url}{WEBHOOK}", json={"sender": sender, "message": turn.text},
                                         headers=headers)
            if response.status_code != 200:
                result.error = f"HTTP {response.status_code}: {response.text[:200]}"
            else:
                result.replies = response.json()
                if not result.replies:
                    result.error = "no reply"
        except (httpx.HTTPError, ValueError) as error:
            result.error = f"{type(error).__name__}: {error}"
        result.seconds = time.perf_counter() - started
        results.append(result)
        if result.error is not None:
            return  # the rest of this conversation would not make sense


async def run_load(urls: Sequence[str], conversation: Callable[[int], List[Turn]], conversations: int,
                   concurrency: int, timeout: float = 120.0, headers: Optional[Dict[str, str]] = None,
                   prefix: str = "load", think: Tuple[float, float] = (0.0, 0.0)) -> LoadRun:
    """Replay `conversations` conversations (`conversation(i)` gives the turns of the i-th), `concurrency` at a
    time, the customer pausing `think` seconds (uniformly random, the same for a given i) between turns, and
    return every turn's latency and replies."""
    results: List[TurnResult] = []
    pending = iter(range(conversations))
    run_id = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=concurrency * len(urls) + 10, max_keepalive_connections=concurrency * 2)

    async def worker(client: httpx.AsyncClient) -> None:
        for number in pending:
            await _converse(client, urls, f"{prefix}-{run_id}-{number}", conversation(number), results,
                            headers or {}, random.Random(number), think)

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadRun(concurrency, seconds, results)
