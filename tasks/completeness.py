"""The six "rõ": for each task, which are still missing.

`missing_ro()` answers for one task; `MISSING` holds the same rules as database filters, for
plan-level shares and list filters. A test holds the two to the same answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plans.deadlines import DeadlineKind

if TYPE_CHECKING:
    from tasks.models import Task

# A recurring or continuous task is clear on time without a single due date.
TIMELESS_KINDS = (DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS)


class Ro(models.TextChoices):
    NGUOI = "nguoi", _("người")
    VIEC = "viec", _("việc")
    THOI_GIAN = "thoi_gian", _("thời gian")
    TRACH_NHIEM = "trach_nhiem", _("trách nhiệm")
    THAM_QUYEN = "tham_quyen", _("thẩm quyền")
    KET_QUA = "ket_qua", _("kết quả")


MISSING: dict[Ro, Q] = {
    Ro.NGUOI: Q(assignee__isnull=True),
    Ro.VIEC: Q(content=""),
    Ro.THOI_GIAN: Q(deadline_kind=DeadlineKind.UNKNOWN)
    | (Q(due_date__isnull=True) & ~Q(deadline_kind__in=TIMELESS_KINDS)),
    Ro.TRACH_NHIEM: Q(lead_unit__isnull=True),
    Ro.THAM_QUYEN: Q(authority_user__isnull=True) & Q(authority_body=""),
    Ro.KET_QUA: Q(product=""),
}

INCOMPLETE: Q = Q()
for _rule in MISSING.values():
    INCOMPLETE |= _rule


def missing_ro(task: Task) -> list[Ro]:
    checks = {
        Ro.NGUOI: task.assignee_id is None,
        Ro.VIEC: not task.content,
        Ro.THOI_GIAN: task.deadline_kind == DeadlineKind.UNKNOWN
        or (task.due_date is None and task.deadline_kind not in TIMELESS_KINDS),
        Ro.TRACH_NHIEM: task.lead_unit_id is None,
        Ro.THAM_QUYEN: task.authority_user_id is None and not task.authority_body,
        Ro.KET_QUA: not task.product,
    }
    return [ro for ro, missing in checks.items() if missing]
