"""The cache only saves work: with Redis down, the dashboard computes its figures, and progress
updates are recorded. (The same with a real Redis stopped mid-way: tests/faults/.)"""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from plans import cache as plans_cache
from tasks.figures import count_figures
from tasks.forms import version_of
from tasks.models import ProgressUpdate, Task
from tasks.punctuality import Status
from tests.factories import TaskFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The cache is a Redis that refuses connections (nothing listens on its port)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr(plans_cache, "_cache_down_until", 0.0)


def test_the_dashboard_computes_its_figures_when_the_cache_is_down(
    client, redis_down, today, caplog
):
    TaskFactory(due_date=today - timedelta(days=3))
    TaskFactory(status=Status.DONE, completed_on=today, due_date=today)
    client.force_login(UserFactory(role=Role.OFFICE))
    with caplog.at_level(logging.WARNING, logger="plans.cache"):
        first = client.get(reverse("tasks:dashboard"))
        second = client.get(reverse("tasks:dashboard"), {"sort": "ten"})
    assert first.status_code == second.status_code == 200
    expected = count_figures(Task.objects.tracked(), today=today)
    assert first.context["headline"] == second.context["headline"] == expected
    assert expected.total == 2 and expected.overdue == 1
    warnings = [r for r in caplog.records if r.name == "plans.cache"]
    assert len(warnings) == 1  # one line per outage, not a traceback per request
    assert warnings[0].levelno == logging.WARNING and warnings[0].exc_info is None
    assert "Cache unavailable" in warnings[0].getMessage()


class FlakyCache:
    def __init__(self):
        self.down, self.values = True, {}

    def get_many(self, keys):
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return {key: self.values[key] for key in keys if key in self.values}

    def set_many(self, values, timeout):
        self.values.update(values)


def test_the_cache_is_tried_again_after_a_while_and_used_once_it_answers(monkeypatch, caplog):
    cache = FlakyCache()
    monkeypatch.setattr(plans_cache, "cache", cache)
    monkeypatch.setattr(plans_cache, "_cache_down_until", 0.0)

    with caplog.at_level(logging.INFO, logger="plans.cache"):
        assert plans_cache.cache_get_many(["k"]) == {}
        cache.down = False
        plans_cache.cache_set_many({"k": 1}, 60)
        assert plans_cache.cache_get_many(["k"]) == {}  # not tried again at once
        monkeypatch.setattr(plans_cache, "_cache_down_until", 1.0)  # the delay is over
        assert plans_cache.cache_get_many(["k"]) == {}
        plans_cache.cache_set_many({"k": 2}, 60)
        assert plans_cache.cache_get_many(["k"]) == {"k": 2}  # from the cache
    assert [r.getMessage()[:17] for r in caplog.records] == [
        "Cache unavailable",
        "Cache available a",
    ]


def test_a_progress_update_is_recorded_when_the_cache_is_down(client, redis_down):
    head = UserFactory(role=Role.UNIT_HEAD)
    task = TaskFactory(lead_unit=head.unit)
    client.force_login(head)
    data = {"percent": 60, "status": Status.IN_PROGRESS, "version": version_of(task)}
    response = client.post(reverse("tasks:update", args=[task.pk]), data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.percent == 60
    assert ProgressUpdate.objects.get(task=task).author == head


def test_the_task_list_draws_its_rows_when_the_cache_is_down(client, redis_down, today):
    TaskFactory(content="Rà soát hồ sơ", due_date=today - timedelta(days=3))
    client.force_login(UserFactory(role=Role.OFFICE))
    for _view in range(2):
        response = client.get(reverse("tasks:list"))
        assert response.status_code == 200
        assert "Rà soát hồ sơ" in response.content.decode()
