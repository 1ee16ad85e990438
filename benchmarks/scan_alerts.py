"""The early-warning scan at scale: in one part against in parts side by side (`tasks.parts`).

Run against a database the generator filled (see README.md); it EMPTIES the warnings and their
deliveries before each run, so it asks for --empty-the-warnings:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench DEBUG=true \\
        .venv/bin/python benchmarks/scan_alerts.py --empty-the-warnings --parts 2 --rounds 2

Each run starts from an empty, vacuumed warnings table after a CHECKPOINT, then scans three
times as the beat would: the first scan (the backlog of a new deployment), the next one 15
minutes later, and the next day's. The parts commit on their own, so the runs cannot be rolled
back. For each scan: the warnings and deliveries stored, the wall and CPU time of the process
(all its threads), and whether the stored rows are the same for every way (a fingerprint of
every warning and delivery).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tasks.early_warnings import create_alerts  # noqa: E402

FINGERPRINT = """
SELECT (SELECT count(*) FROM tasks_alert),
       (SELECT count(*) FROM tasks_notification),
       (SELECT md5(string_agg(concat_ws(',', task_id, occurrence_id, rule, threshold,
                                        reference_date, state), ';'
                              ORDER BY task_id, occurrence_id, rule, threshold, reference_date))
          FROM tasks_alert),
       (SELECT md5(string_agg(concat_ws(',', a.task_id, a.occurrence_id, a.rule, a.threshold,
                                        a.reference_date, n.recipient_id, n.channel, n.state,
                                        n.sent_at), ';'
                              ORDER BY a.task_id, a.occurrence_id, a.rule, a.threshold,
                                       a.reference_date, n.recipient_id, n.channel))
          FROM tasks_notification n JOIN tasks_alert a ON a.id = n.alert_id)
"""
EMPTY = [
    "TRUNCATE tasks_notification, tasks_alert",
    "VACUUM ANALYZE tasks_alert",
    "VACUUM ANALYZE tasks_notification",
    "CHECKPOINT",
]


def run(parts: int, first: datetime) -> list[dict]:
    settings.ALERT_SCAN_PARTS = parts
    with connection.cursor() as cursor:
        for statement in EMPTY:
            cursor.execute(statement)
    results = []
    for label, now in (
        ("first, empty table", first),
        ("15 minutes later", first + timedelta(minutes=15)),
        ("the next day", first + timedelta(days=1)),
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        created = create_alerts(now=now)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT)
            alerts, deliveries, *fingerprint = cursor.fetchone()
        results.append(
            {
                "scan": f"{label} ({timezone.localtime(now):%d/%m %H:%M})",
                "created": len(created),
                "alerts": alerts,
                "deliveries": deliveries,
                "wall": wall,
                "cpu": cpu,
                "fingerprint": fingerprint,
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--empty-the-warnings", action="store_true", required=True)
    parser.add_argument("--parts", type=int, default=2, help="against one part")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--first", default="2026-12-01T07:00", help="the first scan's moment")
    args = parser.parse_args()
    first = timezone.make_aware(datetime.fromisoformat(args.first))
    print("| round | parts | scan | warnings created | warnings | deliveries | wall s | CPU s |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    fingerprints = set()
    for round_ in range(1, args.rounds + 1):
        for parts in (1, args.parts):
            for r in run(parts, first):
                fingerprints.add((r["scan"], *r["fingerprint"]))
                print(
                    f"| {round_} | {parts} | {r['scan']} | {r['created']:,} | {r['alerts']:,} | "
                    f"{r['deliveries']:,} | {r['wall']:.2f} | {r['cpu']:.2f} |",
                    flush=True,
                )
    same = len(fingerprints) == 3
    print(f"\nSame warnings and deliveries after each scan, every way: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
