"""The log-in throttle's rules (bot.console.throttle), without a server."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from bot.console import throttle
from bot.store.db import transaction

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def at(*minutes: float):
    return [T0 + m * MINUTE for m in minutes]


def test_five_failures_within_15_minutes_lock_for_a_minute_from_the_latest():
    assert throttle.lock_end(at(0, 1, 2, 3), 5) is None
    assert throttle.lock_end(at(0, 1, 2, 3, 14), 5) == T0 + 15 * MINUTE
    assert throttle.lock_end(at(0, 20, 40, 60, 80), 5) is None  # five failures, but spread over more than an hour


def test_each_failure_after_a_lock_doubles_the_next_up_to_an_hour():
    failures, ends = at(0, 0, 0, 0, 0), []
    for _ in range(9):
        end = throttle.lock_end(failures, 5)
        ends.append(round((end - failures[-1]) / MINUTE))
        failures.append(end + 5 * MINUTE)  # tried again 5 minutes after the lock ended
    assert ends == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_fifteen_quiet_minutes_after_a_lock_end_the_series():
    failures = at(0, 0, 0, 0, 0)
    failures.append(failures[-1] + MINUTE + 16 * MINUTE)  # 16 minutes after the 1-minute lock ended
    assert throttle.lock_end(failures, 5) is None


def test_retry_after_counts_per_username_and_per_address(database):
    now = T0
    with transaction() as session:
        for _ in range(5):
            throttle.record_failure(session, " Alice ", "10.0.0.1", now)
        assert throttle.retry_after(session, "alice", "10.0.0.2", now + 10 * timedelta(seconds=1)) == 50  # user
        assert throttle.retry_after(session, "bob", "10.0.0.1", now) == 60  # address
        assert throttle.retry_after(session, "bob", "10.0.0.2", now) is None
        assert throttle.retry_after(session, "alice", "10.0.0.2", now + MINUTE) is None  # the lock is over
        assert throttle.recent_failures(session, "ALICE", "10.0.0.1", now) == (5, 5)
        throttle.succeeded(session, "alice")
        assert throttle.recent_failures(session, "alice", "10.0.0.1", now) == (0, 5)  # the address still counts


def test_addresses_are_counted_as_sanic_trusts_them_and_ipv6_by_network():
    def address(remote_addr: str, ip: str) -> str:
        return throttle.client_address(SimpleNamespace(remote_addr=remote_addr, ip=ip))

    assert address("", "192.0.2.7") == "192.0.2.7"
    assert address("203.0.113.9", "127.0.0.1") == "203.0.113.9"  # behind a trusted proxy
    assert address("", "2001:db8:1:2:3:4:5:6") == address("", "2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert address("", "::ffff:192.0.2.7") == "192.0.2.7"


def test_the_wait_is_told_in_whole_minutes():
    assert throttle.wait_message(1) == throttle.wait_message(60) == "登录失败次数过多，请 1 分钟后再试"
    assert throttle.wait_message(61) == "登录失败次数过多，请 2 分钟后再试"
