"""Fault tests run against real services: a Redis of their own (started and killed here), the
portal's Redis settings (REDIS_URL set), and PostgreSQL shared with real Celery worker
processes. They skip locally when one is missing, and fail in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_service
from tests.faults.helpers import RedisServer, Worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    require_service(shutil.which("redis-server") is not None, "redis-server (apt: redis-server)")
    require_service(bool(settings.REDIS_URL), "REDIS_URL (the portal's Redis settings)")
    server = RedisServer(folder=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def postgres_url(transactional_db) -> str:
    """The test database, for worker processes: their writes and ours must be committed."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(postgres_url, redis_server, tmp_path) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(*, marker: Path, media: Path) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis_server.url,
            "MEDIA_ROOT": str(media),
            "FAULT_MARKER": str(marker),
        }
        env.pop("TEST_CLOCK", None)
        log = tmp_path / f"worker-{len(workers)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.slow_worker"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(process=process, log=log)
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()
