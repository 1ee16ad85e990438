"""Demo data from the real plans in fixtures/demo: units, people, the four plans and their tasks
(imported through the importer, as a clerk would), and believable progress relative to `today`.

Every step is idempotent: loading twice changes nothing the second time.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from demo.campaign import load_campaign
from demo.evaluation import load_evaluation
from imports.importing import save_rows, understand
from imports.tables import read_text
from plans.deadlines import DeadlineKind
from plans.models import Phase, Plan, PlanBasis, Target, TargetResult, Unit
from reporting.models import RequiredReport
from tasks.comments import add_comment
from tasks.models import ChangeState, Comment, DeadlineChange, Task
from tasks.punctuality import Status
from tasks.services import (
    assign_task,
    decide_deadline_change,
    record_progress,
    request_deadline_change,
)

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
DEMO_PASSWORD = "demo123"


@dataclass
class DemoSummary:
    units: int = 0
    users: list[User] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    tasks_created: int = 0
    updates_recorded: int = 0


def _read(name: str) -> dict:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def load_units(specs: list[dict]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for order, spec in enumerate(specs):
        unit, _ = Unit.objects.update_or_create(
            parent=units.get(spec.get("parent")),
            name=spec["name"],
            defaults={
                "short_name": spec.get("short_name", ""),
                "kind": spec["kind"],
                "aliases": spec.get("aliases", []),
                "order": order,
            },
        )
        units[spec["key"]] = unit
    return units


def demo_email(username: str) -> str:
    """A demo person's address, on a domain reserved for examples (RFC 2606): the console
    mail backend of `make run` shows the warnings they are sent, and none can go anywhere."""
    return f"{username}@so-khcn.example"


def load_users(specs: list[dict], units: dict[str, Unit]) -> list[User]:
    users = []
    for spec in specs:
        user, created = User.objects.get_or_create(
            username=spec["username"],
            defaults={
                "full_name": spec["full_name"],
                "title": spec["title"],
                "role": spec["role"],
                "unit": units[spec["unit"]],
                "email": demo_email(spec["username"]),
                "is_staff": spec["role"] in (Role.ADMIN, Role.OFFICE),
                "is_superuser": spec["role"] == Role.ADMIN,
            },
        )
        if not user.email:  # demo databases loaded before the demo people had addresses
            user.email = demo_email(user.username)
            user.save(update_fields=["email"])
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.units_in_charge.set([units[key] for key in spec.get("in_charge", [])])
        users.append(user)
    return users


def load_plan(spec: dict, units: dict[str, Unit], plans: dict[str, Plan]) -> Plan:
    plan, _ = Plan.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "number": spec["number"],
            "short_name": spec.get("short_name", ""),
            "kind": spec["kind"],
            "issuing_body": spec["issuing_body"],
            "issuing_unit": units[spec["issuing_unit"]],
            "default_authority": spec.get("authority_body", ""),
            "place": spec.get("place", ""),
            "issued_on": date.fromisoformat(spec["issued_on"]) if spec.get("issued_on") else None,
            "issued_as_written": spec.get("issued_as_written", ""),
            "title": spec["title"],
            "signer_name": spec.get("signer_name", ""),
            "signer_title": spec.get("signer_title", ""),
            "parent": plans.get(spec.get("parent")),
            "recipients": "\n".join(spec.get("recipients", [])),
        },
    )
    for order, basis in enumerate(spec.get("bases", [])):
        basis = basis if isinstance(basis, dict) else {"text": basis}
        PlanBasis.objects.update_or_create(
            plan=plan,
            order=order,
            defaults={"reference": basis["text"], "referenced_plan": plans.get(basis.get("plan"))},
        )
    for order, phase in enumerate(spec.get("phases", []), start=1):
        Phase.objects.update_or_create(
            plan=plan,
            order=order,
            defaults={
                "name": phase["name"],
                "start": date.fromisoformat(phase["start"]) if phase["start"] else None,
                "end": date.fromisoformat(phase["end"]),
                "end_as_written": phase["as_written"],
            },
        )
    targets = []
    for order, target in enumerate(spec.get("targets", [])):
        obj, _ = Target.objects.update_or_create(
            plan=plan,
            order=order,
            defaults={
                "name": target["name"],
                "comparator": target["comparator"],
                "target_value": Decimal(str(target["value"])),
                "unit_of_measure": target.get("uom", "%"),
                "baseline": target.get("baseline", ""),
                "responsible_unit": units.get(target.get("unit")),
                "as_written": target.get("as_written", ""),
            },
        )
        targets.append(obj)
    for result in spec.get("results", []):
        TargetResult.objects.get_or_create(
            target=targets[result["target"]],
            unit=units[result["unit"]],
            period_end=date.fromisoformat(result["period_end"]),
            defaults={"value": Decimal(str(result["value"]))},
        )
    for required in spec.get("required_reports", []):
        # The periodic reports the plan requires, with the years its footnotes set.
        day, month = map(int, required["due"].split("/"))
        RequiredReport.objects.update_or_create(
            plan=plan,
            kind=required["kind"],
            due_month=month,
            due_day=day,
            defaults={
                "first_year": required.get("first_year"),
                "last_year": required.get("last_year"),
                "note": required.get("note", ""),
            },
        )
    return plan


def import_table(plan: Plan, table_file: str, *, today: date) -> int:
    table = read_text((DEMO_DIR / table_file).read_text(encoding="utf-8"))
    understanding = understand(
        table, plan_reference=plan.reference_date, issuing_unit=plan.issuing_unit
    )
    return save_rows(plan=plan, understanding=understanding, today=today).created


# --- believable progress ------------------------------------------------------------------------


def _dice(*parts) -> int:
    """A stable number 0–99 for a task, the same on every machine and every load."""
    return zlib.crc32("|".join(str(p) for p in parts).encode()) % 100


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


DELAY_REASONS = [
    (
        "Chờ ý kiến góp ý của các phòng, đơn vị phối hợp.",
        "Đã có văn bản đôn đốc; dự kiến hoàn thành trong tuần tới.",
    ),
    (
        "Nhân sự phụ trách được cử đi học tập trung, phải bố trí người thay thế.",
        "Đã phân công lại chuyên viên; đang hoàn thiện dự thảo.",
    ),
    (
        "Nội dung phụ thuộc hướng dẫn của cấp trên chưa được ban hành.",
        "Đã báo cáo Ban Giám đốc; tiếp tục theo dõi hướng dẫn.",
    ),
]
DIFFICULTIES = [
    "Hạ tầng mạng tại một số điểm cầu chưa ổn định.",
    "Kinh phí năm 2026 chưa được bố trí đủ.",
    "",
    "",
]


def _people_by_unit() -> dict[int, list[User]]:
    people: dict[int, list[User]] = {}
    for user in User.objects.filter(role__in=[Role.UNIT_HEAD, Role.STAFF, Role.OFFICE]).order_by(
        "pk"
    ):
        people.setdefault(user.unit_id, []).append(user)
    return people


def _progress_task(task: Task, *, today: date, people: dict[int, list[User]], office: User) -> int:
    """Give one task a plausible history. Returns the number of updates recorded."""
    # Keyed by names, not ids: the same tasks get the same story on every database.
    dice = _dice(task.plan.slug, task.order_label, task.lead_unit.name if task.lead_unit else "")
    members = people.get(task.lead_unit_id, [])
    if members and dice % 4:
        assign_task(task=task, assignee=members[dice % len(members)], by=members[0])
    author = task.assignee or (members[0] if members else office)
    reason, explanation = DELAY_REASONS[dice % len(DELAY_REASONS)]
    difficulty = DIFFICULTIES[dice % len(DIFFICULTIES)]
    for occurrence in task.occurrences.filter(due_date__lt=today).order_by("due_date"):
        # Each period its own story: mostly on the day or a little early, sometimes late.
        roll = _dice(dice, occurrence.label)
        late = roll % 6 == 0
        finished = occurrence.due_date + timedelta(days=4 if late else -(roll % 3))
        record_progress(
            task=task,
            occurrence=occurrence,
            by=author,
            percent=100,
            status=Status.DONE,
            achieved="Đã gửi báo cáo kỳ " + occurrence.label + ".",
            delay_reason=reason if late else "",
            at=_at(min(finished, today)),
        )
    # Work on a recurring task is reported against its current period.
    current = task.occurrences.filter(due_date__gte=today).order_by("due_date").first()
    report = partial(record_progress, task=task, occurrence=current, by=author)
    due = task.due_date
    if due is None:
        if dice % 5:
            report(
                percent=30 + dice % 40,
                status=Status.IN_PROGRESS,
                achieved="Đang triển khai thường xuyên theo kế hoạch.",
                difficulties=difficulty,
                at=_at(today - timedelta(days=10 + dice % 30)),
            )
        return task.updates.count()
    if due < today:
        if dice < 60:
            shift = (-(2 + dice % 9), 0, 3 + dice % 12)[dice % 3]
            finished = min(due + timedelta(days=shift), today)
            report(
                percent=60,
                status=Status.IN_PROGRESS,
                achieved="Đã hoàn thành dự thảo, đang lấy ý kiến.",
                at=_at(min(due, finished) - timedelta(days=12)),
            )
            report(
                percent=100,
                status=Status.DONE,
                achieved="Đã hoàn thành, sản phẩm: " + (task.product or "báo cáo") + ".",
                product_link="https://vanban.example.gov.vn/so-khcn/" + str(task.pk),
                delay_reason=reason if finished > due else "",
                delay_explanation=explanation if finished > due else "",
                at=_at(finished),
            )
        elif dice < 90:
            report(
                percent=40 + dice % 40,
                status=Status.IN_PROGRESS,
                achieved="Đang hoàn thiện dự thảo.",
                difficulties=difficulty,
                proposals="Đề nghị Văn phòng đôn đốc các đơn vị phối hợp gửi ý kiến.",
                delay_reason=reason,
                delay_explanation=explanation,
                at=_at(max(due + timedelta(days=1), today - timedelta(days=6))),
            )
    elif due <= today + timedelta(days=settings.DUE_SOON_DAYS):
        report(
            percent=60 + dice % 30,
            status=Status.IN_PROGRESS,
            achieved="Đang hoàn thiện, dự kiến đúng hạn.",
            at=_at(today - timedelta(days=3)),
        )
    elif dice % 3:
        report(
            percent=10 + dice % 40,
            status=Status.IN_PROGRESS,
            achieved="Đã xây dựng đề cương, phân công thực hiện.",
            difficulties=difficulty,
            at=_at(today - timedelta(days=5 + dice % 20)),
        )
    return task.updates.count()


def _deadline_changes(*, today: date) -> None:
    """One extension already approved (the task is now due soon) and one waiting for a leader."""
    open_tasks = (
        Task.objects.tracked()
        .filter(plan__issuing_unit__short_name="Sở KH&CN", deadline_changes__isnull=True)
        .exclude(status=Status.DONE)
        .exclude(deadline_kind__in=[DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS])
        .order_by("position", "pk")
    )
    late = open_tasks.filter(due_date__lt=today).first()
    if late and not DeadlineChange.objects.filter(state=ChangeState.APPROVED).exists():
        leader = late.authority_user or User.objects.get(username="giamdoc")
        change = request_deadline_change(
            task=late,
            by=late.assignee or leader,
            new_due_date=today + timedelta(days=5),
            reason="Chờ Sở Nội vụ ban hành hướng dẫn mẫu quy chế phối hợp.",
            at=_at(today - timedelta(days=10)),
        )
        decide_deadline_change(
            change=change,
            by=leader,
            approve=True,
            comment="Đồng ý, đề nghị hoàn thành đúng hạn mới.",
            at=_at(today - timedelta(days=8)),
        )
    upcoming = open_tasks.filter(due_date__gte=today).first()
    if upcoming and not DeadlineChange.objects.filter(state=ChangeState.PENDING).exists():
        request_deadline_change(
            task=upcoming,
            by=upcoming.assignee or User.objects.get(username="tp.cds"),
            new_due_date=date(upcoming.due_date.year + 1, 3, 31),
            reason="Nhà cung cấp chưa hoàn thành thử nghiệm; đề nghị lùi sang quý I năm sau.",
            at=_at(today - timedelta(days=2)),
        )


def _comments(*, today: date) -> None:
    """A short thread with @mentions and a file on the task waiting for a deadline decision."""
    change = DeadlineChange.objects.filter(state=ChangeState.PENDING).select_related("task").first()
    if change is None or Comment.objects.exists():
        return
    office, director = User.objects.get(username="vanphong"), User.objects.get(username="giamdoc")
    task, worker = change.task, change.requested_by
    draft = ContentFile(b"%PDF-1.4\n% du thao\n%%EOF\n", name="Dự thảo báo cáo tiến độ.pdf")
    thread = [
        (office, f"@{worker.username} đề nghị gửi dự thảo kèm số liệu để Văn phòng tổng hợp.", []),
        (worker, "Đã gửi dự thảo. Kính báo @Phạm Văn Trinh xem xét đề nghị gia hạn.", [draft]),
        (director, "Đồng ý về nguyên tắc; @vanphong theo dõi, nhắc tiến độ hằng tuần.", []),
    ]
    for days, (author, text, files) in zip((3, 2, 1), thread, strict=True):  # never ahead
        add_comment(task=task, by=author, text=text, files=files, at=_at(today - timedelta(days)))


def simulate_progress(plans: list[Plan], *, today: date) -> int:
    """Progress for the tasks of freshly imported plans (so a second load adds nothing)."""
    people = _people_by_unit()
    office = User.objects.filter(role=Role.OFFICE).order_by("pk").first()
    count = 0
    fresh = (
        Task.objects.tracked()
        .filter(plan__in=plans)
        .select_related("plan", "lead_unit")
        .order_by("pk")
    )
    for task in fresh:
        count += _progress_task(task, today=today, people=people, office=office)
    _deadline_changes(today=today)
    _comments(today=today)
    return count


@transaction.atomic
def load_demo(*, today: date) -> DemoSummary:
    organisation = _read("organisation.json")
    summary = DemoSummary()
    units = load_units(organisation["units"])
    summary.units = len(units)
    summary.users = load_users(organisation["users"], units)
    plans: dict[str, Plan] = {}
    imported = []
    for spec in _read("plans.json")["plans"]:
        plan = load_plan(spec, units, plans)
        plans[spec["slug"]] = plan
        summary.plans.append(plan)
        created = import_table(plan, spec["table"], today=today)
        if created:
            imported.append(plan)
        summary.tasks_created += created
    summary.updates_recorded = simulate_progress(imported, today=today)
    load_evaluation(today=today)
    load_campaign(today=today)
    return summary
