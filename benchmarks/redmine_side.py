"""Logins and update targets for `redmine_side.sh`, made as the portal itself makes them.

    redmine_side.py office            -> "<session key> <tasks seen> <overdue>" for Văn phòng
    redmine_side.py token             -> the Văn phòng user's API token
    redmine_side.py updates N FILE    -> a wrk Lua table of N open tasks to update, each with
                                         the session of a unit head who may update it and the
                                         task's current version (the form's concurrency token,
                                         URL-encoded)

The update table is made right before each wrk run: a version is good for one write, so each
request updates a different task, as Redmine's PUT benchmark cycles through distinct issues.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from plans.deadlines import PERIODIC  # noqa: E402
from tasks.filters import listed_tasks  # noqa: E402
from tasks.forms import version_of  # noqa: E402
from tasks.models import Task  # noqa: E402
from tasks.punctuality import OPEN_STATUSES, Punctuality, local_today, punctuality_in  # noqa: E402


def session_for(user: User) -> str:
    """A session as a login makes it."""
    session = SessionStore()
    session[SESSION_KEY], session[HASH_SESSION_KEY] = str(user.pk), user.get_session_auth_hash()
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.create()
    return session.session_key


def office() -> User:
    return User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()


def update_table(n: int) -> str:
    """Open tasks led by a unit that has a head, one request each, spread over the units."""
    heads = {}
    for head in User.objects.filter(role=Role.UNIT_HEAD, is_active=True).order_by("pk"):
        heads.setdefault(head.unit_id, head)
    tasks = list(
        Task.objects.tracked()
        .filter(status__in=OPEN_STATUSES, lead_unit_id__in=heads)
        .exclude(deadline_kind__in=PERIODIC)  # one form for the task, no period to choose
        .order_by("?")[:n]
    )
    sessions = {unit: session_for(head) for unit, head in heads.items()}
    rows = [
        f'{{{task.pk}, "{quote(version_of(task))}", "{sessions[task.lead_unit_id]}"}}'
        for task in tasks
    ]
    return "local targets = {\n" + ",\n".join(rows) + "\n}\n"


def main() -> None:
    what = sys.argv[1]
    if what == "office":
        user, today = office(), local_today()
        seen = listed_tasks(user, today=today)
        overdue = seen.filter(punctuality_in([Punctuality.OVERDUE], today=today)).count()
        print(session_for(user), seen.count(), overdue)
    elif what == "token":
        print(Token.objects.get_or_create(user=office())[0].key)
    elif what == "updates":
        Path(sys.argv[3]).write_text(update_table(int(sys.argv[2])), encoding="utf-8")
    else:
        raise SystemExit(f"unknown: {what}")


if __name__ == "__main__":
    main()
