from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaign import figures, permissions, services
from campaign.models import Registration, RegistrationKind, RegistrationState
from tasks.models import Task
from tasks.services import record_progress
from tests.campaign.conftest import HTMX
from tests.factories import TaskFactory

NOW = datetime(2026, 6, 3, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def new_key(world, *, by=None, title="Số hóa hồ sơ lưu trữ") -> Registration:
    return services.register(
        campaign=world.campaign,
        unit=world.unit_a,
        kind=RegistrationKind.KEY,
        by=by or world.staff_a,
        title=title,
        due_date=date(2026, 12, 31),
        at=NOW,
    )


def test_who_may_register_for_a_unit(world):
    assert permissions.may_register(world.staff_a, world.unit_a)
    assert permissions.may_register(world.head_a, world.unit_a)
    assert permissions.may_register(world.office, world.unit_a)
    assert not permissions.may_register(world.staff_b, world.unit_a)
    assert not permissions.may_register(world.head_b, world.unit_a)


def test_only_the_leader_in_charge_of_the_unit_approves(world):
    registration = new_key(world)
    assert permissions.may_decide_registration(world.leader_a, registration)
    assert not permissions.may_decide_registration(world.leader_b, registration)
    assert not permissions.may_decide_registration(world.head_a, registration)
    assert not permissions.may_decide_registration(world.office, registration)


def test_approving_a_new_registration_creates_a_key_task_led_by_the_unit(world):
    registration = services.decide_registration(
        registration=new_key(world), by=world.leader_a, approve=True, at=NOW
    )
    task = registration.task
    assert registration.state == RegistrationState.APPROVED
    assert task.plan == world.campaign.plan and task.lead_unit == world.unit_a
    assert task.is_key and task.due_date == date(2026, 12, 31)
    assert task.authority_user == world.leader_a
    with pytest.raises(ValidationError):
        services.decide_registration(registration=registration, by=world.leader_a, approve=False)


def test_an_existing_task_is_flagged_when_approved(world):
    task = TaskFactory(lead_unit=world.unit_a)
    registration = services.register(
        campaign=world.campaign,
        unit=world.unit_a,
        kind=RegistrationKind.BREAKTHROUGH,
        by=world.head_a,
        task=task,
    )
    services.decide_registration(registration=registration, by=world.leader_a, approve=True)
    task.refresh_from_db()
    assert task.is_breakthrough and not task.is_key


def test_a_task_of_another_unit_or_twice_is_refused(world):
    with pytest.raises(ValidationError):
        services.register(
            campaign=world.campaign,
            unit=world.unit_a,
            kind=RegistrationKind.KEY,
            by=world.head_a,
            task=TaskFactory(lead_unit=world.unit_b),
        )
    task = TaskFactory(lead_unit=world.unit_a)
    args = {"campaign": world.campaign, "unit": world.unit_a, "kind": "backlog", "by": world.head_a}
    services.register(task=task, **args)
    with pytest.raises(ValidationError):
        services.register(task=task, **args)


def test_refusing_needs_a_reason(world):
    with pytest.raises(ValidationError):
        services.decide_registration(registration=new_key(world), by=world.leader_a, approve=False)


def test_key_tasks_tracked_with_data_need_a_person_a_deadline_and_an_update(world):
    tracked = services.decide_registration(
        registration=new_key(world, title="Một"), by=world.leader_a, approve=True
    ).task
    services.decide_registration(
        registration=new_key(world, title="Hai"), by=world.leader_a, approve=True
    )
    assert figures.key_task_tracking(world.campaign).tracked == 0
    tracked.assignee = world.staff_a
    tracked.save()
    assert figures.key_task_tracking(world.campaign).tracked == 0  # no update yet
    record_progress(task=tracked, by=world.staff_a, percent=20, status="in_progress", at=NOW)
    result = figures.key_task_tracking(world.campaign)
    assert (result.tracked, result.total, result.rate) == (1, 2, 50)


# --- views -----------------------------------------------------------------------------------


def form(**extra):
    return {"unit": "", "kind": "key", "task": "", "title": "", "product": "", **extra}


def test_a_staff_member_registers_a_new_key_task_both_ways(client, world, frozen_clock, today):
    client.force_login(world.staff_a)
    url = reverse("campaign:registrations", args=[world.campaign.pk])
    due = (today + timedelta(days=40)).isoformat()
    data = form(unit=world.unit_a.pk, title="Số hóa hồ sơ", due_date=due)
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "title": "Cải cách quy trình"}, headers=HTMX)
    page = response.content.decode()
    assert 'id="registrations"' in page and "<html" not in page
    assert "Cải cách quy trình" in page
    assert Registration.objects.filter(registered_by=world.staff_a).count() == 2


def test_a_new_task_without_deadline_is_refused_with_a_message(client, world):
    client.force_login(world.staff_a)
    url = reverse("campaign:registrations", args=[world.campaign.pk])
    response = client.post(url, form(unit=world.unit_a.pk, title="Không hạn"), headers=HTMX)
    assert "Nhiệm vụ mới cần có thời hạn." in response.content.decode()
    assert not Registration.objects.exists()


def test_a_staff_member_may_not_register_for_another_unit(client, world):
    client.force_login(world.staff_b)
    url = reverse("campaign:registrations", args=[world.campaign.pk])
    response = client.post(url, form(unit=world.unit_a.pk, title="X", due_date="2026-12-31"))
    # The unit is not among those offered: the form refuses it.
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_the_leader_in_charge_approves_both_ways_and_others_are_forbidden(client, world):
    first, second = new_key(world, title="Một"), new_key(world, title="Hai")
    client.force_login(world.leader_b)
    url = reverse("campaign:decide", args=[first.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 403
    client.force_login(world.leader_a)
    assert client.post(url, {"decision": "approve"}).status_code == 302
    response = client.post(
        reverse("campaign:decide", args=[second.pk]),
        {"decision": "refuse", "comment": "Trùng nhiệm vụ"},
        headers=HTMX,
    )
    assert "Trùng nhiệm vụ" in response.content.decode()
    states = dict(Registration.objects.values_list("title", "state"))
    assert states == {"Một": "approved", "Hai": "refused"}
    assert Task.objects.filter(content="Một", is_key=True).exists()


def test_the_registration_page_runs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(6):
        services.decide_registration(
            registration=new_key(world, title=f"Việc {n}"), by=world.leader_a, approve=True
        )
    client.force_login(world.office)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("campaign:registrations", args=[world.campaign.pk]))
    assert page.content.decode().count("Chưa đủ dữ liệu theo dõi") == 6


def test_a_new_task_deadline_must_be_sane(world):
    for due in (date(2026, 6, 2), date(2040, 1, 1)):
        with pytest.raises(ValidationError):
            services.register(
                campaign=world.campaign, unit=world.unit_a, kind=RegistrationKind.KEY,
                by=world.staff_a, title="Việc", due_date=due, at=NOW,
            )  # fmt: skip
    assert not Registration.objects.exists()


def test_a_unit_head_marks_an_open_task_of_the_unit_not_another_units(client, world):
    ours, theirs = TaskFactory(lead_unit=world.unit_a), TaskFactory(lead_unit=world.unit_b)
    done = TaskFactory(lead_unit=world.unit_a, status="done")
    client.force_login(world.head_a)
    url = reverse("campaign:registrations", args=[world.campaign.pk])
    page = client.get(url).content.decode()
    assert ours.content in page and theirs.content not in page and done.content not in page
    client.post(url, form(unit=world.unit_a.pk, kind="backlog", task=theirs.pk))
    assert not Registration.objects.exists()
    client.post(url, form(unit=world.unit_a.pk, kind="backlog", task=ours.pk))
    assert Registration.objects.get().task == ours
