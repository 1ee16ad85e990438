"""Notices of decisions: the leader hears of a deadline request, the requester of the decision,
a person of the task given to them — in the portal and by e-mail, without opening the portal."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from plans.models import Phase
from tasks import alerts
from tasks.models import Channel, Notification, NotificationPreference, WarningRule
from tasks.services import assign_task, decide_deadline_change, request_deadline_change
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]  # 22/11/2026


@pytest.fixture
def people():
    department = UnitFactory(name="Sở Khoa học và Công nghệ")
    unit = UnitFactory(name="Phòng Chuyển đổi số", parent=department)
    head = UserFactory(
        unit=unit, role=Role.UNIT_HEAD, full_name="Võ Thành Long", email="tp@so.example"
    )
    staff = UserFactory(unit=unit, full_name="Ngô Kim Ngân", email="cv@so.example")
    deputy = UserFactory(role=Role.LEADERSHIP, full_name="Nguyễn Minh Quang", email="q@so.example")
    deputy.units_in_charge.set([unit])
    director = UserFactory(role=Role.LEADERSHIP, full_name="Phạm Văn Trinh", email="gd@so.example")
    director.units_in_charge.set([department])  # in charge of the unit above
    bystander = UserFactory(role=Role.LEADERSHIP, email="khac@so.example")
    bystander.units_in_charge.set([UnitFactory()])
    task = TaskFactory(lead_unit=unit, content="Triển khai trợ lý ảo", due_date=date(2026, 12, 31))
    return {
        "head": head, "staff": staff, "deputy": deputy, "director": director,
        "bystander": bystander, "task": task,
    }  # fmt: skip


def _inbox(user) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user, channel=Channel.IN_APP).select_related("alert")
    )


def _send_all():
    now = timezone.now()
    for alert_id in alerts.alerts_to_deliver(now=now):
        alerts.deliver_alert(alert_id=alert_id, now=now)


def test_the_leaders_who_decide_hear_of_a_deadline_request_at_once(
    people, django_capture_on_commit_callbacks
):
    with (
        mock.patch("tasks.jobs.deliver_alert.delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        change = request_deadline_change(
            task=people["task"],
            by=people["head"],
            new_due_date=date(2027, 3, 31),
            reason="Chờ hạ tầng\nđiện toán đám mây của thành phố",
        )
    [notice] = _inbox(people["deputy"])
    assert notice.alert.rule == WarningRule.DEADLINE_REQUESTED
    assert notice.alert.message == (
        "Võ Thành Long đề nghị điều chỉnh hạn từ 31/12/2026 sang 31/03/2027. "
        "Lý do: Chờ hạ tầng điện toán đám mây của thành phố"
    )
    assert len(_inbox(people["director"])) == 1  # in charge of the department above
    assert _inbox(people["bystander"]) == [] and _inbox(people["head"]) == []
    queued.assert_called_once_with(notice.alert_id)  # queued once the request is committed

    _send_all()
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["gd@so.example", "q@so.example"]
    message = mail.outbox[0]
    assert message.subject == (
        "[Thông báo] Đề nghị điều chỉnh hạn chờ quyết định: Triển khai trợ lý ảo"
    )
    assert "sang 31/03/2027" in message.body
    assert change.pk  # the request itself is kept as before


def test_the_requester_hears_of_the_decision_with_the_leaders_words(people):
    change = request_deadline_change(
        task=people["task"], by=people["head"], new_due_date=date(2027, 3, 31), reason="Chờ vốn"
    )
    decide_deadline_change(
        change=change, by=people["deputy"], approve=False, comment="Giữ hạn, ưu tiên bố trí vốn"
    )
    [notice] = _inbox(people["head"])
    assert notice.alert.rule == WarningRule.DEADLINE_DECIDED
    assert notice.alert.message == (
        "Nguyễn Minh Quang không đồng ý điều chỉnh hạn từ 31/12/2026 sang 31/03/2027. "
        "Ý kiến: Giữ hạn, ưu tiên bố trí vốn"
    )


def test_a_person_hears_of_a_task_given_to_them_once(people):
    task = people["task"]
    assign_task(task=task, assignee=people["staff"], by=people["head"])
    assign_task(task=task, assignee=people["staff"], by=people["head"])  # a second click
    [notice] = _inbox(people["staff"])
    assert notice.alert.message == "Võ Thành Long giao cho bạn nhiệm vụ này, hạn 31/12/2026."
    # giving a task to oneself tells no one
    assign_task(task=task, assignee=people["head"], by=people["head"])
    assert _inbox(people["head"]) == []


def test_notices_follow_each_persons_channels(people):
    NotificationPreference.objects.create(user=people["staff"], email=False)
    assign_task(task=people["task"], assignee=people["staff"], by=people["head"])
    channels = set(
        Notification.objects.filter(recipient=people["staff"]).values_list("channel", flat=True)
    )
    assert channels == {Channel.IN_APP}
    _send_all()
    assert mail.outbox == []


def test_the_bell_shows_what_was_decided(client, people):
    assign_task(task=people["task"], assignee=people["staff"], by=people["head"])
    client.force_login(people["staff"])
    page = client.get(reverse("alerts:list")).content.decode()
    assert "Được giao nhiệm vụ" in page
    assert "Võ Thành Long giao cho bạn nhiệm vụ này" in page


def test_a_new_deadline_past_the_phase_or_the_plan_is_pointed_out(
    client, people, django_assert_max_num_queries
):
    task = people["task"]
    first = Phase.objects.create(plan=task.plan, order=1, name="Giai đoạn 1", end=date(2027, 1, 31))
    Phase.objects.create(plan=task.plan, order=2, name="Giai đoạn 2", end=date(2027, 6, 30))
    task.phase = first
    task.save()
    other = TaskFactory(lead_unit=task.lead_unit, plan=task.plan, due_date=date(2027, 3, 31))
    request_deadline_change(
        task=task, by=people["head"], new_due_date=date(2027, 3, 31), reason="Chờ vốn"
    )
    request_deadline_change(
        task=other, by=people["head"], new_due_date=date(2027, 9, 30), reason="Chờ vốn"
    )
    [notice, _other] = sorted(_inbox(people["deputy"]), key=lambda n: n.alert.task_id)
    assert notice.alert.message.endswith("Hạn 31/03/2027 vượt quá Giai đoạn 1 (đến 31/01/2027).")
    client.force_login(people["deputy"])
    with django_assert_max_num_queries(25):
        page = client.get(reverse("tasks:leadership")).content.decode()
    assert "Hạn 31/03/2027 vượt quá Giai đoạn 1 (đến 31/01/2027)." in page
    assert "Hạn 30/09/2027 vượt quá thời gian của kế hoạch (đến 30/06/2027)." in page


def test_the_requester_is_told_too(client, people):
    plan = people["task"].plan
    Phase.objects.create(plan=plan, order=1, name="Giai đoạn 1", end=date(2027, 1, 31))
    client.force_login(people["head"])
    response = client.post(
        reverse("tasks:request_change", args=[people["task"].pk]),
        {"new_due_date": "2027-03-31", "reason": "Chờ vốn"},
        follow=True,
    )
    assert "Lưu ý: Hạn 31/03/2027 vượt quá thời gian của kế hoạch" in response.content.decode()
