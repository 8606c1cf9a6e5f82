import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import List

from bot.store.db import transaction
from bot.store.ids import next_id


def test_ids_count_per_prefix_and_year_above_imported_ones(database, ids):
    now = datetime.now(timezone.utc)
    year = now.year
    with transaction() as session:
        first = next_id(session, "WX", now)
        second = next_id(session, "WX", now)
        complaint = next_id(session, "TS", now)
    assert first == f"WX{year}000102"  # the imported test repair is WX{year}000101
    assert second == f"WX{year}000103"
    assert complaint == f"TS{year}000001"


def test_ids_are_never_reused_after_a_rollback_of_other_work(database):
    now = datetime.now(timezone.utc)
    with transaction() as session:
        taken = next_id(session, "TH", now)
    try:
        with transaction() as session:
            next_id(session, "TH", now)
            raise RuntimeError("the request failed after taking an id")
    except RuntimeError:
        pass
    with transaction() as session:
        again = next_id(session, "TH", now)
    assert again != taken and len(again) == 12 and again[2:].isdigit()


def test_next_year_starts_again(database):
    with transaction() as session:
        assert next_id(session, "TS", datetime(2030, 1, 1, tzinfo=timezone.utc)) == "TS2030000001"


def test_customers_submitting_at_the_same_moment_get_different_numbers(database):
    """Threads with sessions of their own, as the action server's workers: no duplicate, no 'database is locked'."""
    now = datetime.now(timezone.utc)
    start = threading.Barrier(8)

    def take() -> List[str]:
        taken = []
        for _ in range(5):
            start.wait() if not taken else None
            with transaction() as session:
                taken.append(next_id(session, "TS", now))
        return taken

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [number for taken in pool.map(lambda _: take(), range(8)) for number in taken]
    assert len(numbers) == 40 and len(set(numbers)) == 40
