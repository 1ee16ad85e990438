from __future__ import annotations

from datetime import date

import factory

from accounts.models import Role, User
from plans.deadlines import DeadlineKind
from plans.models import Plan, Unit, UnitKind
from tasks.models import Task


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Phòng Thử nghiệm {n}")
    kind = UnitKind.DIVISION


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    role = Role.STAFF
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password("pw")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    number = factory.Sequence(lambda n: f"{n}/KH-SKHCN")
    issuing_body = "Sở Khoa học và Công nghệ"
    issued_on = date(2026, 6, 10)
    title = factory.Sequence(lambda n: f"Kế hoạch thử nghiệm {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    order_label = factory.Sequence(lambda n: str(n + 1))
    content = factory.Sequence(lambda n: f"Nhiệm vụ thử nghiệm số {n}")
    lead_unit = factory.SubFactory(UnitFactory)
    product = "Báo cáo"
    authority_body = "Giám đốc Sở"
    deadline_text = "Quý IV/2026"
    deadline_kind = DeadlineKind.QUARTER
    due_date = date(2026, 12, 31)


def listed_contents(response) -> list[str]:
    """The contents of the tasks a task list page shows, in its order (its rows carry ids and
    cells drawn from the cache, tasks.list_rows)."""
    ids = [row.pk for row in response.context["page"].object_list]
    contents = dict(Task.objects.filter(pk__in=ids).values_list("pk", "content"))
    return [contents[pk] for pk in ids]
