"""The nightly roll-forward of periods at scale: task by task (as it was) against set-based.

Run against a database the generator filled (see README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench DEBUG=true \\
        .venv/bin/python benchmarks/roll_forward.py --day 2026-11-29 --day 2027-01-01

For each day, both ways run on the same data, each in a transaction that is rolled back: the
time, CPU time and queries of each, and a fingerprint of the result (the periods and the shown
fields of every task) that must be the same for both. With --all-done, every period due before
the day is first marked done (in the same transaction), so that every task that gets a new
period also shows it: the most writing a night can ask for (a task update and a history row
each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from tasks.models import Occurrence  # noqa: E402
from tasks.punctuality import Status  # noqa: E402
from tasks.roll_forward import periodic_tasks, roll_forward_periods  # noqa: E402
from tasks.services import ensure_occurrences  # noqa: E402

FINGERPRINT = """
SELECT (SELECT count(*) FROM tasks_occurrence),
       (SELECT md5(string_agg(concat_ws(',', task_id, label, period_start, period_end,
                                        due_date, status, percent, completed_on), ';'
                              ORDER BY task_id, due_date))
          FROM tasks_occurrence),
       (SELECT md5(string_agg(concat_ws(',', id, status, percent, due_date, completed_on), ';'
                              ORDER BY id))
          FROM tasks_task),
       (SELECT count(*) FROM tasks_historicaltask)
"""


def set_based(today: date) -> int:
    return roll_forward_periods(today=today)


def task_by_task(today: date) -> int:
    """roll_forward_periods as it was before it became set-based."""
    return sum(len(ensure_occurrences(task, until=today)) for task in periodic_tasks().iterator())


def measure(run, today: date, *, all_done: bool) -> dict:
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(None)
        return execute(sql, params, many, context)

    with transaction.atomic():
        if all_done:
            Occurrence.objects.filter(due_date__lt=today).update(
                status=Status.DONE, percent=100, completed_on=F("due_date")
            )
        with connection.execute_wrapper(count):
            wall, cpu = time.perf_counter(), time.process_time()
            created = run(today)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT)
            occurrences, periods_md5, tasks_md5, history = cursor.fetchone()
        transaction.set_rollback(True)
    return {
        "created": created,
        "wall": wall,
        "cpu": cpu,
        "queries": len(queries),
        "fingerprint": (occurrences, periods_md5, tasks_md5),
        "history": history,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", action="append", type=date.fromisoformat, required=True)
    parser.add_argument("--all-done", action="store_true")
    args = parser.parse_args()
    print(f"{periodic_tasks().count():,} recurring or continuous tasks to roll")
    print("| day | way | periods created | wall s | CPU s | queries | history rows after |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for day in args.day:
        results = {}
        for name, run in (("task by task", task_by_task), ("set-based", set_based)):
            r = results[name] = measure(run, day, all_done=args.all_done)
            print(
                f"| {day:%d/%m/%Y} | {name} | {r['created']:,} | {r['wall']:.1f} | "
                f"{r['cpu']:.1f} | {r['queries']:,} | {r['history']:,} |",
                flush=True,
            )
        old, new = results["task by task"], results["set-based"]
        same = old["fingerprint"] == new["fingerprint"] and old["created"] == new["created"]
        ratio = f"{old['wall'] / new['wall']:.1f}× | {old['cpu'] / new['cpu']:.1f}×"
        label = "ratio (all done before)" if args.all_done else "ratio"
        print(f"|  | {label} | same result: {'yes' if same else 'NO'} | {ratio} | | |")
        if not same:
            sys.exit(f"the two ways differ on {day}: {old} {new}")


if __name__ == "__main__":
    main()
