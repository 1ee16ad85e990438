from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role
from plans.deadlines import DeadlineKind
from tasks.punctuality import Status
from tasks.services import decide_deadline_change, record_progress, request_deadline_change
from tests.conftest import require_service
from tests.factories import TaskFactory, UnitFactory, UserFactory

Q3 = "2026-Q3"


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def schemes(request):
    """The two schemes the data migration creates. A transactional test elsewhere in the run
    flushes every table, migration data included: the evaluation tests must not depend on the
    order the suite runs in."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    from evaluation.models import Scheme

    Scheme.default()
    Scheme.criteria()


@pytest.fixture
def org(db):
    """A division with its head and two staff, another division, and the leader in charge."""
    division = UnitFactory(name="Phòng Chuyển đổi số")
    other = UnitFactory(name="Phòng Kế hoạch - Tài chính")
    head = UserFactory(username="tp", full_name="Võ Thành Long", role=Role.UNIT_HEAD,
                       unit=division, title="Trưởng phòng")  # fmt: skip
    ngan = UserFactory(username="ngan", full_name="Ngô Thị Kim Ngân", unit=division,
                       title="Chuyên viên")  # fmt: skip
    nam = UserFactory(username="nam", full_name="Trương Hoàng Nam", unit=division)
    other_head = UserFactory(username="tp2", role=Role.UNIT_HEAD, unit=other)
    outsider = UserFactory(username="cv2", unit=other)
    leader = UserFactory(username="pgd", role=Role.LEADERSHIP, unit=UnitFactory(name="BGĐ"))
    leader.units_in_charge.add(division)
    other_leader = UserFactory(username="gd", role=Role.LEADERSHIP, unit=leader.unit)
    other_leader.units_in_charge.add(other)
    office = UserFactory(username="vp", role=Role.OFFICE, unit=UnitFactory(name="Văn phòng"))
    return type("Org", (), locals())


def give(person, *, due: date, done: date | None = None, reason="Chờ ý kiến phối hợp", **kw):
    """A task assigned to `person` due on `due`, completed on `done` through the real service."""
    kw.setdefault("lead_unit", person.unit)
    task = TaskFactory(assignee=person, due_date=due, deadline_kind=DeadlineKind.DATE, **kw)
    if done is not None:
        record_progress(
            task=task, by=person, percent=100, status=Status.DONE, at=at(done),
            delay_reason=reason if done > due else "",
        )  # fmt: skip
    return task


def extend(task, *, to: date, by, leader, asked: date):
    change = request_deadline_change(
        task=task, by=by, new_due_date=to, reason="Chờ hướng dẫn của Bộ", at=at(asked)
    )
    return decide_deadline_change(change=change, by=leader, approve=True, at=at(asked))


def pdf_text(response) -> str:
    """The text of a downloaded PDF (skips where poppler's pdftotext is missing)."""
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = shutil.which("pdftotext")
    require_service(path is not None, "pdftotext (apt: poppler-utils)")
    return subprocess.run([path, "-layout", "-", "-"], input=response.content,
                          capture_output=True, check=True).stdout.decode()  # fmt: skip
