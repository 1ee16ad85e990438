"""The task list at scale: each sort of the list page, and the Excel export of every task.

Run against a database the generator filled (see README.md), as Văn phòng (who sees all tasks):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench DEBUG=true \\
        .venv/bin/python benchmarks/task_list.py --repeat 10

Pages go through Django's test client (server time, no network). The export is run once, in this
process, after the pages: its time is the whole response (query, workbook, zip) read to the last
byte, and the peak resident memory of the process is read before and after it (`ru_maxrss`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402

SORTS = ["", "han", "-han", "don_vi", "-don_vi", "tien_do", "-tien_do", "cap_nhat", "-cap_nhat"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--export-only", action="store_true")
    parser.add_argument("--export-query", default="", help="filters, e.g. plan=12")
    args = parser.parse_args()
    client = Client()
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    client.force_login(office)
    print(f"as {office} ({office.get_role_display()}); page times in ms")
    print("| sort | median | p95 | queries |")
    print("|---|---|---|---|")
    for sort in [] if args.export_only else SORTS:
        url = f"/nhiem-vu/?sort={sort}" if sort else "/nhiem-vu/"
        client.get(url)
        times, queries = [], 0
        for _i in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, response.status_code
            queries = len(captured)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        median = statistics.median(times)
        print(f"| {sort or '(plan order)'} | {median:.0f} | {p95:.0f} | {queries} |")
    if args.skip_export:
        return
    reset_queries()
    before = peak_rss_mb()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/nhiem-vu/xuat-excel/?{args.export_query}")
        size = sum(len(part) for part in response.streaming_content)
    elapsed = time.perf_counter() - started
    response.close()
    print(
        f"export: {elapsed:.1f} s, {size / 1e6:.1f} MB, {len(captured)} queries, "
        f"peak RSS {before:.0f} MB before → {peak_rss_mb():.0f} MB after"
    )


if __name__ == "__main__":
    main()
