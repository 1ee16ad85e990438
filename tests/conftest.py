from __future__ import annotations

import os
from datetime import date

import pytest


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


@pytest.fixture
def today() -> date:
    return date(2026, 11, 22)
