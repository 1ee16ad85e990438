"""Server time and query count of the portal's main pages, through Django's test client.

Run against a database the generator filled (see pages.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench DEBUG=true \
        .venv/bin/python benchmarks/pages.py --repeat 30

The dashboard's figures are cached until any task changes (tasks.dashboards.cached): it is
measured both as most views find it, and just after a write (everything recounted).
Each scenario is run once to warm up, then `--repeat` times; the median and 95th percentile of
the wall time in the server (request in, response out) are printed, with the number of queries.
The inline update posts a progress update (it writes: run it on a copy, not on real data).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from tasks.forms import version_of  # noqa: E402
from tasks.models import Task  # noqa: E402
from tasks.punctuality import Status  # noqa: E402


def measure(label: str, call, repeat: int) -> dict:
    call()  # warm up (connection, caches, templates)
    times, queries = [], 0
    for _i in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call()
            times.append(1000 * (time.perf_counter() - started))
        assert response.status_code in (200, 302), (label, response.status_code)
        queries = len(captured)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"page": label, "median": statistics.median(times), "p95": p95, "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS.append("testserver")

    office = User.objects.filter(role=Role.OFFICE).first()
    # The busiest unit: the unit page at its heaviest.
    busiest = (
        Task.objects.tracked()
        .values("lead_unit_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["lead_unit_id"]
    )
    head = User.objects.filter(role=Role.UNIT_HEAD, unit_id=busiest).first()
    task = Task.objects.tracked().filter(lead_unit_id=busiest, status=Status.IN_PROGRESS).first()

    as_office, as_head = Client(), Client()
    as_office.force_login(office)
    as_head.force_login(head)
    htmx = {"HX-Request": "true"}

    def update():
        task.refresh_from_db()
        data = {
            "percent": (task.percent + 1) % 100,
            "status": Status.IN_PROGRESS,
            "version": version_of(task),
            "delay_reason": "Đo hiệu năng",
        }
        return as_head.post(f"/nhiem-vu/{task.pk}/cap-nhat/", data, headers=htmx)

    def cold_dashboard():
        cache.clear()  # as after any write: the figures are recounted
        return as_office.get("/nhiem-vu/tong-quan/")

    scenarios = [
        ("dashboard", lambda: as_office.get("/nhiem-vu/tong-quan/")),
        ("dashboard, just after a write", cold_dashboard),
        ("dashboard, filtered (year)", lambda: as_office.get("/nhiem-vu/tong-quan/?period=nam")),
        ("unit page", lambda: as_head.get(f"/nhiem-vu/don-vi/{busiest}/")),
        ("task page", lambda: as_head.get(f"/nhiem-vu/{task.pk}/")),
        ("inline update (POST)", update),
    ]
    tracked = Task.objects.tracked().count()
    unit_tasks = Task.objects.tracked().filter(lead_unit_id=busiest).count()
    print(f"{Task.objects.count()} tasks ({tracked} tracked); busiest unit: {unit_tasks} tasks")
    print(f"{'page':30} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, call in scenarios:
        row = measure(label, call, args.repeat)
        print(f"{row['page']:30} {row['median']:10.1f} {row['p95']:8.1f} {row['queries']:8d}")


if __name__ == "__main__":
    main()
