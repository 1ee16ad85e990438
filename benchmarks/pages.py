"""Server time and query count of the portal's main pages, through Django's test client.

Run against a database the generator filled (see pages.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench DEBUG=true \
        .venv/bin/python benchmarks/pages.py --repeat 30 [--only "unit page" --only …]

The dashboard adds up each lead unit's share of the figures, kept in the cache under the unit's
data version (tasks.unit_shares): it is measured as most views find it, just after a write (one
unit recounted), and with nothing kept (the first view of a day: every unit counted).
Each scenario is run once to warm up, then `--repeat` times; the median and 95th percentile of
the wall time in the server (request in, response out) are printed, with the median CPU time of
this process (Python: it grows less than the wall time when others load the machine), the
median SQL time and the number of queries.
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
from tasks.services import record_progress  # noqa: E402


def measure(label: str, call, repeat: int, prepare=None) -> dict:
    """Time `call` (`prepare`, if any, runs before each call, outside the timer)."""
    if prepare:
        prepare()
    call()  # warm up (connection, caches, templates)
    times, cpu, sql, queries = [], [], [], 0
    for _i in range(repeat):
        if prepare:
            prepare()
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = call()
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - cpu_started))
        assert response.status_code in (200, 302), (label, response.status_code)
        queries = len(captured)
        sql.append(1000 * sum(float(q["time"]) for q in captured.captured_queries))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "page": label,
        "median": statistics.median(times),
        "p95": p95,
        "cpu": statistics.median(cpu),
        "sql": statistics.median(sql),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--only", action="append", help="only the pages whose name contains this (repeatable)"
    )
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

    def write():
        """A progress update through the service, as the form makes it."""
        task.refresh_from_db()
        record_progress(
            task=task,
            by=head,
            percent=(task.percent + 1) % 100,
            status=Status.IN_PROGRESS,
            delay_reason="Đo hiệu năng",
        )

    def cold_dashboard():
        cache.clear()  # nothing kept: every unit's share is counted
        return as_office.get("/nhiem-vu/tong-quan/")

    unit_url = f"/nhiem-vu/don-vi/{busiest}/"
    scenarios = [
        ("dashboard", lambda: as_office.get("/nhiem-vu/tong-quan/")),
        ("dashboard, just after a write", lambda: as_office.get("/nhiem-vu/tong-quan/"), write),
        ("dashboard, nothing kept", cold_dashboard),
        ("dashboard, filtered (year)", lambda: as_office.get("/nhiem-vu/tong-quan/?period=nam")),
        ("unit page", lambda: as_head.get(unit_url)),
        ("unit page, just after a write", lambda: as_head.get(unit_url), write),
        ("task page", lambda: as_head.get(f"/nhiem-vu/{task.pk}/")),
        ("inline update (POST)", update),
    ]
    tracked = Task.objects.tracked().count()
    unit_tasks = Task.objects.tracked().filter(lead_unit_id=busiest).count()
    print(f"{Task.objects.count()} tasks ({tracked} tracked); busiest unit: {unit_tasks} tasks")
    print(f"{'page':30} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8} {'SQL ms':>8} {'queries':>8}")
    for label, call, *prepare in scenarios:
        if args.only and not any(part in label for part in args.only):
            continue
        row = measure(label, call, args.repeat, *prepare)
        print(
            f"{row['page']:30} {row['median']:10.1f} {row['p95']:8.1f} {row['cpu']:8.1f}"
            f" {row['sql']:8.1f}"
            f" {row['queries']:8d}"
        )


if __name__ == "__main__":
    main()
