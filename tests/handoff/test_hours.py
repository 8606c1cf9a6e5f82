from datetime import datetime, timezone

import pytest

from bot.core.hours import WorkingHours


def beijing(day, hour, minute=0):
    # 2026-11-23 is a Monday; Beijing is UTC+8.
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=timezone.utc) if hour >= 8 else \
        datetime(2026, 11, day - 1, hour + 16, minute, tzinfo=timezone.utc)


def test_default_is_weekdays_nine_to_six_beijing_time(monkeypatch):
    monkeypatch.delenv("HANDOFF_HOURS", raising=False)
    monkeypatch.delenv("HANDOFF_DAYS", raising=False)
    hours = WorkingHours.configured()
    assert hours.is_open(beijing(23, 9)) and hours.is_open(beijing(27, 17, 59))
    assert not hours.is_open(beijing(23, 8, 59)) and not hours.is_open(beijing(23, 18))
    assert not hours.is_open(beijing(28, 10))  # Saturday
    assert hours.describe() == "工作日 9:00–18:00（北京时间）"


def test_configurable(monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "08:30-22:00")
    monkeypatch.setenv("HANDOFF_DAYS", "1-7")
    hours = WorkingHours.configured()
    assert hours.is_open(beijing(28, 21)) and hours.describe() == "每天 8:30–22:00（北京时间）"


@pytest.mark.parametrize("spec", [("18:00-09:00", "1-5"), ("9-18", "1-5"), ("09:00-18:00", "0-8"), ("x", "y")])
def test_bad_configuration_is_refused(spec):
    with pytest.raises(ValueError):
        WorkingHours.parse(*spec)
