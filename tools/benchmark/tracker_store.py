"""What one turn costs the tracker store: Rasa's SQLTrackerStore against ours (`bot.store.conversations`).

`python -m tools.benchmark.tracker_store [--turns N] [--dir DIR]` (`make bench-store`) reads a conversation of ten
earlier turns, adds one turn (the customer's message, the answer, action_listen) and saves it, N times per store,
each store on its own SQLite file, and prints the median and p95 of that read + save. `make bench` measures the whole server;
this isolates the store, which is where our server differs most from the stock assistant (an in-memory store).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Sequence, Type

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.store.conversations import ConversationStore

EARLIER_TURNS = 10


def _turn(index: int) -> List[Event]:
    question = UserUttered(f"保修期多久{index}", {"name": "faq", "confidence": 0.98})
    return [question, ActionExecuted("utter_faq"), BotUttered(f"您好，整机保修一年。{index}"),
            ActionExecuted("action_listen")]


async def _time_turns(store: SQLTrackerStore, turns: int) -> List[float]:
    """Seconds of read + save for one new turn, each on a conversation of EARLIER_TURNS turns."""
    seconds = []
    for number in range(turns):
        sender = f"bench-{number}"
        earlier: List[Event] = [ActionExecuted("action_listen")]
        for index in range(EARLIER_TURNS):
            earlier += _turn(index)
        await store.save(DialogueStateTracker.from_events(sender, earlier, slots=store.domain.slots))
        started = time.perf_counter()
        tracker = await store.retrieve(sender)
        for event in _turn(EARLIER_TURNS):
            tracker.update(event)
        await store.save(tracker)
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(store_class: Type[SQLTrackerStore], directory: Path, turns: int) -> List[float]:
    store = store_class(domain=Domain.empty(), host=f"sqlite:///{directory / (store_class.__name__ + '.db')}")
    try:
        return asyncio.run(_time_turns(store, turns))
    finally:
        store.engine.dispose()


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark.tracker_store", description=__doc__)
    parser.add_argument("--turns", type=int, default=300, help="turns timed per store (default 300)")
    parser.add_argument("--dir", type=Path, help="where the SQLite files go (default: a temporary directory)")
    args = parser.parse_args(list(argv))
    with tempfile.TemporaryDirectory(prefix="tp-store-bench-") as temporary:
        directory = args.dir or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        medians = {}
        for store_class in (SQLTrackerStore, ConversationStore):
            milliseconds = sorted(1000 * s for s in measure(store_class, directory, args.turns))
            medians[store_class] = statistics.median(milliseconds)
            p95 = statistics.quantiles(milliseconds, n=20)[-1]
            print(f"{store_class.__name__:>16}: read + save of one turn, median {medians[store_class]:.2f} ms, "
                  f"p95 {p95:.2f} ms ({args.turns} turns, conversations of {EARLIER_TURNS} earlier turns)")
        print(f"ratio: {medians[SQLTrackerStore] / medians[ConversationStore]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
