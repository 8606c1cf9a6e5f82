"""Log-in throttling: failed console log-ins are counted per username and per client address.

After CONSOLE_LOGIN_ATTEMPTS (default 5) failures within 15 minutes, log-in is refused for 1 minute, counted from
the latest failure — refused before the password is checked, so that neither the answer nor its timing tells
whether it was right. Each failure that follows within 15 minutes of a lock's end continues the series and doubles
the next lock (2, 4, 8 … minutes, at most 60), so a patient guesser gets about one try an hour; 15 quiet minutes
after a lock end the series. A successful log-in clears the username's failures, not the address's (an account of
one's own must not reset the count of an address that guesses others' passwords). Failures live in the database
(`bot.store.attempts`), so limits hold across restarts and replicas.

Behind a reverse proxy every client has the proxy's address unless Sanic is told to trust it
(`SANIC_REAL_IP_HEADER=X-Real-IP` or `SANIC_PROXIES_COUNT=1`); `client_address` uses what Sanic trusts.
"""

from __future__ import annotations

import bisect
import ipaddress
import math
from datetime import datetime, timedelta, timezone
from typing import Any, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.settings import settings
from bot.store import attempts
from bot.store.models import FailedAttempt

USER, ADDRESS = "login-user", "login-ip"
WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(minutes=60)
LOOKBACK = attempts.KEEP  # older failures are pruned anyway


def _now(now: Optional[datetime]) -> datetime:
    return now or datetime.now(timezone.utc)


def client_address(request: Any) -> str:
    """The caller's address as Sanic trusts it; an IPv6 client is counted by its /64 (one customer's network)."""
    raw = request.remote_addr or request.ip or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _keys(username: str, address: str) -> List[Tuple[str, str]]:
    return [(USER, username.strip().lower()), (ADDRESS, address)]


def lock_end(failures: Sequence[datetime], limit: int) -> Optional[datetime]:
    """When log-in opens again after these failures (oldest first); None when they lock nothing."""
    series = 0  # failures in the current series
    end: Optional[datetime] = None  # the end of its latest lock
    for index, moment in enumerate(failures):
        if end is not None and moment <= end + WINDOW:
            series += 1
        else:
            series = index + 1 - bisect.bisect_left(failures, moment - WINDOW, 0, index + 1)
            if series < limit:
                end = None
                continue
        end = moment + min(FIRST_LOCK * 2 ** min(series - limit, 10), LONGEST_LOCK)
    return end


def _failures(session: Session, scope: str, key: str, now: datetime) -> List[datetime]:
    query = (select(FailedAttempt.created_at)
             .where(FailedAttempt.scope == scope, FailedAttempt.key == key[:255],
                    FailedAttempt.created_at >= now - LOOKBACK)
             .order_by(FailedAttempt.created_at))
    return list(session.execute(query).scalars())


def retry_after(session: Session, username: str, address: str, now: Optional[datetime] = None) -> Optional[int]:
    """Seconds until this username or address may try again; None when neither is locked."""
    now = _now(now)
    limit = settings().console_login_attempts
    wait = timedelta(0)
    for scope, key in _keys(username, address):
        if attempts.count_recent(session, scope, key, LOOKBACK, now) < limit:
            continue  # the usual case: no series can have reached the limit
        end = lock_end(_failures(session, scope, key, now), limit)
        if end is not None and end > now:
            wait = max(wait, end - now)
    return math.ceil(wait.total_seconds()) if wait > timedelta(0) else None


def record_failure(session: Session, username: str, address: str, now: Optional[datetime] = None) -> None:
    for scope, key in _keys(username, address):
        attempts.record_failure(session, scope, key, now)


def recent_failures(session: Session, username: str, address: str, now: Optional[datetime] = None) -> Tuple[int, int]:
    """(for the username, for the address) in the last 15 minutes, for the log."""
    user, place = _keys(username, address)
    return (attempts.count_recent(session, *user, WINDOW, now), attempts.count_recent(session, *place, WINDOW, now))


def succeeded(session: Session, username: str) -> None:
    attempts.clear(session, USER, username.strip().lower())


def wait_message(seconds: int) -> str:
    return f"登录失败次数过多，请 {max(1, math.ceil(seconds / 60))} 分钟后再试"
