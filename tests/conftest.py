from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

# TEST_CLOCK=2028-02-29 runs the whole suite as if that were the real date (the clock still
# ticks). CI runs the suite once more with the clock moved, so that a test which reads the real
# clock instead of freezing it fails on the day it is written, not a week later.
_moved_clock = None


def pytest_configure(config):
    global _moved_clock
    moment = os.environ.get("TEST_CLOCK")
    if moment:
        import time_machine

        _moved_clock = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        _moved_clock.start()


def pytest_report_header(config):
    if _moved_clock is not None:
        return f"clock moved to {os.environ['TEST_CLOCK']} (TEST_CLOCK)"
    return None


def pytest_unconfigure(config):
    if _moved_clock is not None:
        _moved_clock.stop()


def require_service(available: bool, what: str) -> None:
    """Tests that need a real service skip locally when it is missing, and fail in CI."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def postgres(db):
    from django.db import connection

    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url():
    import redis
    from django.conf import settings

    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        available = True
    except redis.RedisError:
        available = False
    require_service(available, f"Redis at {url}")
    return url


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: what one test kept (dashboard shares, list rows)
    is never served to the next, whose rows may carry the same ids and frozen times."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def today() -> date:
    return date(2026, 11, 22)


@pytest.fixture
def frozen_clock(today):
    """The clock at 09:00 (Asia/Ho_Chi_Minh) on `today`, ticking: for tests of pages and
    services that take "now" from the clock rather than as an argument."""
    import time_machine
    from django.conf import settings

    start = datetime.combine(today, time(9), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller
