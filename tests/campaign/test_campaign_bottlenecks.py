from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaign import figures, permissions, services
from campaign.models import Bottleneck, BottleneckState
from tasks.services import record_progress
from tests.campaign.conftest import HTMX

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=TZ)


def record(world, *, at=NOW, title="Giải ngân vốn đầu tư công chậm") -> Bottleneck:
    return services.record_bottleneck(
        campaign=world.campaign,
        unit=world.unit_a,
        title=title,
        cause="Chưa có hướng dẫn của Sở Tài chính",
        responsible=world.staff_a,
        by=world.head_a,
        at=at,
    )


def test_the_leader_in_charge_is_found_from_the_unit(world):
    assert record(world).leader == world.leader_a


def test_who_may_record_and_move_a_bottleneck(world):
    bottleneck = record(world)
    assert permissions.may_record_bottleneck(world.head_a, world.unit_a)
    assert permissions.may_record_bottleneck(world.office, world.unit_a)
    assert not permissions.may_record_bottleneck(world.head_b, world.unit_a)
    assert not permissions.may_record_bottleneck(world.staff_a, world.unit_a)
    for person in (world.staff_a, world.head_a, world.leader_a, world.office):
        assert permissions.may_move_bottleneck(person, bottleneck)
    for person in (world.staff_a2, world.head_b, world.leader_b, world.staff_b):
        assert not permissions.may_move_bottleneck(person, bottleneck)


def test_clearing_needs_a_task_with_a_deadline_and_the_history_is_kept(world):
    bottleneck = record(world)
    with pytest.raises(ValidationError):
        services.move_bottleneck(bottleneck=bottleneck, by=world.head_a, state="clearing", note="x")
    task = services.add_clearing_task(
        bottleneck=bottleneck,
        by=world.head_a,
        content="Xin ý kiến Sở Tài chính",
        due_date=date(2026, 7, 15),
        assignee=world.staff_a,
        at=NOW,
    )
    assert task.lead_unit == world.unit_a and task.authority_user == world.leader_a
    services.move_bottleneck(
        bottleneck=bottleneck, by=world.head_a, state="clearing", note="Đã gửi văn bản", at=NOW
    )
    services.move_bottleneck(
        bottleneck=bottleneck, by=world.leader_a, state="cleared", note="Có hướng dẫn", at=NOW
    )
    assert bottleneck.cleared_on == date(2026, 7, 1)
    states = list(bottleneck.history.order_by("history_date").values_list("state", flat=True))
    assert states[0] == "open" and states[-1] == "cleared" and "clearing" in states
    reasons = bottleneck.history.exclude(history_change_reason=None).order_by("history_date")
    assert list(reasons.values_list("history_change_reason", flat=True)) == [
        "Ghi điểm nghẽn",
        "Thêm nhiệm vụ tháo gỡ, hạn 15/07/2026: Xin ý kiến Sở Tài chính",
        "Đang tháo gỡ: Đã gửi văn bản",
        "Đã tháo gỡ: Có hướng dẫn",
    ]


def test_a_bottleneck_without_movement_warns_once_per_stall(world, settings):
    settings.BOTTLENECK_STALL_DAYS = 14
    bottleneck = record(world)
    services.add_clearing_task(
        bottleneck=bottleneck, by=world.head_a, content="Họp", due_date=date(2026, 8, 1), at=NOW
    )
    assert services.warn_stalled_bottlenecks(now=NOW + timedelta(days=13)) == 0
    sent = services.warn_stalled_bottlenecks(now=NOW + timedelta(days=14))
    assert sent == 3  # the person responsible, the unit head, the leader in charge
    assert {m.to[0] for m in mail.outbox} == {"sa@example.org", "ha@example.org", "lda@example.org"}
    assert "không có chuyển biến từ ngày 01/07/2026 (14 ngày)" in mail.outbox[0].body
    assert services.warn_stalled_bottlenecks(now=NOW + timedelta(days=20)) == 0


def test_a_progress_update_on_a_clearing_task_is_movement(world, settings):
    settings.BOTTLENECK_STALL_DAYS = 14
    bottleneck = record(world)
    task = services.add_clearing_task(
        bottleneck=bottleneck, by=world.head_a, content="Họp", due_date=date(2026, 8, 1), at=NOW
    )
    record_progress(
        task=task, by=world.staff_a, percent=40, status="in_progress", at=NOW + timedelta(days=10)
    )
    assert figures.stalled_bottlenecks(today=date(2026, 7, 15)) == []
    assert len(figures.stalled_bottlenecks(today=date(2026, 7, 25))) == 1


def test_a_cleared_bottleneck_never_warns(world, settings):
    bottleneck = record(world)
    services.move_bottleneck(bottleneck=bottleneck, by=world.head_a, state="cleared", note="Xong")
    assert figures.stalled_bottlenecks(today=date(2027, 1, 1)) == []


# --- views -----------------------------------------------------------------------------------


def test_the_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(5):
        bottleneck = record(world, title=f"Điểm nghẽn {n}")
        services.add_clearing_task(
            bottleneck=bottleneck, by=world.head_a, content="Họp", due_date=date(2026, 8, 1), at=NOW
        )
    client.force_login(world.office)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("campaign:bottlenecks", args=[world.campaign.pk]))
    assert page.content.decode().count("Điểm nghẽn ") >= 5


def test_staff_see_their_unit_bottlenecks_only(client, world):
    record(world)
    client.force_login(world.staff_b)
    page = client.get(reverse("campaign:bottlenecks", args=[world.campaign.pk])).content.decode()
    assert "Chưa có điểm nghẽn nào được ghi." in page
    bottleneck = Bottleneck.objects.get()
    assert client.get(reverse("campaign:bottleneck", args=[bottleneck.pk])).status_code == 404


def test_a_unit_head_records_a_bottleneck_both_ways(client, world):
    client.force_login(world.head_a)
    url = reverse("campaign:bottlenecks", args=[world.campaign.pk])
    data = {
        "unit": world.unit_a.pk,
        "title": "Thủ tục cấp phép kéo dài",
        "cause": "Thiếu nhân lực",
        "responsible": world.staff_a.pk,
    }
    assert client.post(url, data).status_code == 302
    page = client.post(url, {**data, "title": "Hồ sơ tồn"}, headers=HTMX).content.decode()
    assert 'id="bottleneck-list"' in page and "Hồ sơ tồn" in page and "<html" not in page
    assert Bottleneck.objects.count() == 2


def test_staff_may_not_record_nor_move_others_bottlenecks(client, world):
    bottleneck = record(world)
    client.force_login(world.staff_b)
    url = reverse("campaign:bottlenecks", args=[world.campaign.pk])
    assert client.post(url, {"title": "x"}).status_code == 403
    move = reverse("campaign:bottleneck_move", args=[bottleneck.pk])
    assert client.post(move, {"state": "cleared", "note": "x"}).status_code == 404
    client.force_login(world.staff_a2)  # same unit: sees it, may not move it
    assert client.post(move, {"state": "cleared", "note": "x"}).status_code == 403


def test_moving_and_planning_both_ways(client, world, frozen_clock, today):
    bottleneck = record(world)
    client.force_login(world.staff_a)
    add = reverse("campaign:bottleneck_task", args=[bottleneck.pk])
    due = (today + timedelta(days=10)).isoformat()
    assert client.post(add, {"content": "Gửi văn bản", "due_date": due}).status_code == 302
    page = client.post(
        add, {"content": "Họp liên ngành", "due_date": due}, headers=HTMX
    ).content.decode()
    assert 'id="clearing-tasks"' in page and "Họp liên ngành" in page
    move = reverse("campaign:bottleneck_move", args=[bottleneck.pk])
    page = client.post(
        move, {"state": "escalated", "note": "Báo cáo Giám đốc"}, headers=HTMX
    ).content.decode()
    assert 'data-state="escalated"' in page
    assert client.post(move, {"state": "clearing", "note": "Đang làm"}).status_code == 302
    bottleneck.refresh_from_db()
    assert bottleneck.state == BottleneckState.CLEARING and bottleneck.tasks.count() == 2
