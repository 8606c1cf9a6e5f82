"""When human agents work: HANDOFF_HOURS on HANDOFF_DAYS (ISO weekday numbers), Beijing time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import FrozenSet, Optional

from bot.formatting import BEIJING


def _clock(text: str) -> time:
    """09:00, or 24:00 for the end of the day."""
    text = text.strip()
    return time.max if text == "24:00" else time.fromisoformat(text)


@dataclass(frozen=True)
class WorkingHours:
    opens: time
    closes: time
    days: FrozenSet[int]  # ISO weekdays, 1 = Monday

    @classmethod
    def parse(cls, hours: str, days: str) -> "WorkingHours":
        try:
            start, end = (_clock(part) for part in hours.split("-"))
            day_set = set()
            for part in days.split(","):
                first, _, last = part.strip().partition("-")
                day_set.update(range(int(first), int(last or first) + 1))
        except ValueError as error:
            raise ValueError(f"bad working hours {hours!r} / days {days!r}: use e.g. 09:00-18:00 and 1-5") from error
        if not start < end or not day_set <= set(range(1, 8)):
            raise ValueError(f"bad working hours {hours!r} / days {days!r}")
        return cls(start, end, frozenset(day_set))

    @classmethod
    def configured(cls) -> "WorkingHours":
        from bot.core.settings import settings

        return cls.parse(settings().handoff_hours, settings().handoff_days)

    def is_open(self, now: Optional[datetime] = None) -> bool:
        local = (now or datetime.now(timezone.utc)).astimezone(BEIJING)
        return local.isoweekday() in self.days and self.opens <= local.time() < self.closes

    def describe(self) -> str:
        """工作日 9:00–18:00 style, for replies to customers."""
        days = "工作日" if self.days == frozenset(range(1, 6)) else ("每天" if len(self.days) == 7 else "服务日")
        closes = "24:00" if self.closes == time.max else f"{self.closes.hour}:{self.closes:%M}"
        return f"{days} {self.opens.hour}:{self.opens:%M}–{closes}（北京时间）"
