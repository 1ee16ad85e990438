"""Server time and query count of the API's task list, through Django's test client.

The request is the one Redmine's peer benchmark makes of Redmine (../shared/peers/redmine,
bench.sh: `/issues.json?status_id=open&due_date=<=yesterday&sort=due_date,id&limit=25`): the
first 25 overdue tasks by due date, as JSON, asked by Văn phòng (who sees every task) with a
token. The task list page with the same filter and the first page of the change feed are
measured beside it. Run against a database the generator filled (see README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench DEBUG=true \\
        .venv/bin/python benchmarks/api_list.py --repeat 30

This is the time inside Django (no HTTP server, no network). For requests per second through
gunicorn, measured with wrk as bench.sh measures Redmine, see redmine_side.sh.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from benchmarks.pages import measure  # noqa: E402

OVERDUE_JSON = "/api/tasks/?punctuality=overdue&ordering=han&page_size=25"
OVERDUE_PAGE = "/nhiem-vu/?punctuality=overdue&sort=han"
SYNC = "/api/tasks/sync/?page_size=100"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS.append("testserver")
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    token, _created = Token.objects.get_or_create(user=office)
    api, browser = Client(headers={"Authorization": f"Token {token.key}"}), Client()
    browser.force_login(office)
    overdue = api.get(OVERDUE_JSON).json()
    dues = [task["six_ro"]["thoi_gian"]["due_date"] for task in overdue["results"]]
    assert dues == sorted(dues) and len(dues) == min(25, overdue["count"]), dues
    assert {task["punctuality"] for task in overdue["results"]} <= {"overdue"}
    print(f"as {office} ({office.get_role_display()}); {overdue['count']} overdue tasks")
    print(f"{'request':40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    scenarios = [
        (f"API {OVERDUE_JSON[5:]}", lambda: api.get(OVERDUE_JSON)),
        (f"page {OVERDUE_PAGE}", lambda: browser.get(OVERDUE_PAGE)),
        (f"API {SYNC[5:]}", lambda: api.get(SYNC)),
    ]
    for label, call in scenarios:
        row = measure(label, call, args.repeat)
        print(f"{row['page']:40} {row['median']:10.1f} {row['p95']:8.1f} {row['queries']:8d}")


if __name__ == "__main__":
    main()
