"""The role pages: who lands where, what each page shows, and that queries do not grow with rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from plans.models import Phase
from tasks import dashboards
from tasks.figures import count_figures
from tasks.models import Task
from tasks.punctuality import Status
from tasks.services import record_progress, request_deadline_change
from tests.factories import (
    PlanFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
    listed_contents,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def login(client, **fields):
    user = UserFactory(**fields)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.OFFICE, "tasks:dashboard"),
        (Role.ADMIN, "tasks:dashboard"),
        (Role.LEADERSHIP, "tasks:leadership"),
        (Role.STAFF, "tasks:mine"),
    ],
)
def test_each_role_lands_on_its_page(client, role, page):
    login(client, role=role)
    assert client.get("/")["Location"] == reverse(page)


def test_a_unit_head_lands_on_their_units_page(client):
    user = login(client, role=Role.UNIT_HEAD)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("tasks:unit", args=[user.unit_id])
    assert user.unit.name in response.content.decode()


def test_the_dashboard_headline_equals_the_figures_of_the_reports(client, today):
    cds, vp = UnitFactory(short_name="CĐS"), UnitFactory(short_name="VP")
    TaskFactory(lead_unit=cds, due_date=today - timedelta(days=3))
    TaskFactory(lead_unit=cds, status=Status.DONE, completed_on=today, due_date=today)
    TaskFactory(lead_unit=vp, status=Status.DONE, completed_on=today, due_date=today - timedelta(1))
    TaskFactory(lead_unit=vp, due_date=today + timedelta(days=2))
    TaskFactory(lead_unit=vp, fans_out=True)  # counted through its children, not itself
    login(client, role=Role.OFFICE)
    response = client.get(reverse("tasks:dashboard"))
    expected = count_figures(Task.objects.tracked(), today=today)
    assert response.context["headline"] == expected
    assert expected.total == 4 and expected.overdue == 1 and expected.on_time_rate == 33.3
    page = response.content.decode()
    assert "33,3%" in page and "mục tiêu ≥98%" in page
    assert {row.label for row in response.context["unit_page"]} == {"CĐS", "VP"}


def test_the_dashboard_shows_an_update_at_once_though_its_figures_are_cached(client, today):
    task = TaskFactory(due_date=today + timedelta(days=10))
    login(client, role=Role.OFFICE)
    url = reverse("tasks:dashboard")
    assert client.get(url).context["headline"].done_early == 0
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).context["headline"].done_early == 0
    # each unit's share from the cache: no figures counted over the tasks
    assert not [q for q in captured if "GROUP BY" in q["sql"] and "phase_id" in q["sql"]]
    record_progress(task=task, by=UserFactory(), percent=100, status=Status.DONE)
    assert client.get(url).context["headline"].done_early == 1


def test_the_dashboard_lists_overdue_and_at_risk_tasks_with_days_late(client, today):
    unit = UnitFactory(short_name="Phòng A")
    person = UserFactory(full_name="Lê Văn Chậm", unit=unit)
    TaskFactory(content="Việc trễ", lead_unit=unit, assignee=person, due_date=today - timedelta(5))
    TaskFactory(content="Việc sắp hạn", lead_unit=unit, percent=10, due_date=today + timedelta(2))
    TaskFactory(
        content="Việc sắp hạn tốt", lead_unit=unit, percent=90, due_date=today + timedelta(2)
    )
    login(client, role=Role.OFFICE)
    response = client.get(reverse("tasks:dashboard"))
    warned = {t.content: t for t in response.context["warnings"]}
    assert set(warned) == {"Việc trễ", "Việc sắp hạn"}
    assert warned["Việc trễ"].days_late == 5
    page = response.content.decode()
    assert "Trễ 5 ngày" in page and "Lê Văn Chậm" in page and "Nguy cơ chậm" in page


def test_the_dashboard_filters_stay_in_the_url_and_htmx_gets_only_the_body(client, today):
    plan = PlanFactory(short_name="KH A")
    TaskFactory(plan=plan)
    TaskFactory()
    login(client, role=Role.OFFICE)
    url = reverse("tasks:dashboard")
    response = client.get(url, {"plan": plan.pk}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert '<span class="value">1</span><span class="label">Nhiệm vụ</span>' in body
    assert 'id="dashboard-body"' in body and "<html" not in body
    assert 'hx-swap-oob="true"' in body  # the phases of the chosen plan
    assert f"plan={plan.pk}" in body  # sorting links keep the filters


def test_the_unit_table_sorts_by_the_column_asked(client, today):
    a, b = UnitFactory(short_name="A"), UnitFactory(short_name="B")
    TaskFactory.create_batch(3, lead_unit=a)
    TaskFactory(lead_unit=b, due_date=today - timedelta(1))
    login(client, role=Role.OFFICE)
    url = reverse("tasks:dashboard")
    assert [r.label for r in client.get(url, {"sort": "tong"}).context["unit_page"]] == ["A", "B"]
    assert [r.label for r in client.get(url, {"sort": "qua_han"}).context["unit_page"]] == [
        "B",
        "A",
    ]


def test_the_phase_table_lists_many_phases_only_for_the_plan_chosen(client, today):
    plan = PlanFactory(short_name="KH A")
    for order in range(1, dashboards.PHASES_LISTED + 2):
        phase = Phase.objects.create(plan=plan, order=order, name=f"Giai đoạn {order}")
        TaskFactory(plan=plan, phase=phase)
    login(client, role=Role.OFFICE)
    url = reverse("tasks:dashboard")
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.context["phases"] == [] and "Theo giai đoạn" not in page.content.decode()
    assert not [q for q in captured if 'FROM "plans_phase"' in q["sql"]]  # not read either
    chosen = client.get(url, {"plan": plan.pk})
    assert len(chosen.context["phases"]) == dashboards.PHASES_LISTED + 1
    assert "Giai đoạn 31" in chosen.content.decode()


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_the_dashboard_query_count_does_not_grow_with_rows(client, today):
    login(client, role=Role.OFFICE)
    url = reverse("tasks:dashboard")
    unit = UnitFactory()
    TaskFactory.create_batch(3, lead_unit=unit, due_date=today - timedelta(2))
    queries(client, url)  # warm: the first view keeps names, units, badge
    few = queries(client, url)
    for _i in range(15):
        other = UnitFactory()
        TaskFactory.create_batch(4, lead_unit=other, due_date=today - timedelta(3), percent=20)
        TaskFactory(lead_unit=other, status=Status.DONE, completed_on=today - timedelta(40))
    queries(client, url)  # new units: what is kept under the names' version, read again
    # (the warnings are counted from the units' shares, also when the page shows only some)
    assert queries(client, url) == few <= 16


def test_the_unit_page_groups_by_urgency(client, today):
    user = login(client, role=Role.UNIT_HEAD)
    TaskFactory(content="Trễ", lead_unit=user.unit, due_date=today - timedelta(1))
    TaskFactory(content="Sắp", lead_unit=user.unit, due_date=today + timedelta(1))
    TaskFactory(content="Xong", lead_unit=user.unit, status=Status.DONE, completed_on=today)
    url = reverse("tasks:unit", args=[user.unit_id])
    response = client.get(url)
    assert response.context["group"].key == "qua_han"  # the most urgent that has tasks
    assert [t.content for t in response.context["page"]] == ["Trễ"]
    counts = {g.key: n for g, n in response.context["groups"]}
    assert counts["qua_han"] == counts["sap_den_han"] == counts["hoan_thanh"] == 1
    done = client.get(url, {"nhom": "hoan_thanh"}, headers={"HX-Request": "true"})
    assert "Xong" in done.content.decode() and "Trễ" not in done.content.decode()
    assert "<html" not in done.content.decode()


def test_a_unit_head_cannot_open_another_units_page(client):
    login(client, role=Role.UNIT_HEAD)
    other = UnitFactory()
    assert client.get(reverse("tasks:unit", args=[other.pk])).status_code == 404


def test_the_unit_page_query_count_does_not_grow_with_rows(client, today):
    user = login(client, role=Role.UNIT_HEAD)
    url = reverse("tasks:unit", args=[user.unit_id])
    TaskFactory(lead_unit=user.unit, due_date=today - timedelta(1))
    queries(client, url)  # warm: the first view keeps names, units, badge
    few = queries(client, url)
    people = UserFactory.create_batch(3, unit=user.unit)
    for person in people:
        TaskFactory.create_batch(
            6, lead_unit=user.unit, assignee=person, due_date=today - timedelta(2)
        )
    queries(client, url)  # new people: what is kept under the names' version, read again
    # 12, the "Phối hợp" tab's count, the key tasks' link, the unit's own plans
    assert queries(client, url) == few <= 15


def test_staff_see_their_own_tasks_and_may_update_them(client, today):
    user = login(client, role=Role.STAFF)
    TaskFactory(content="Của tôi", lead_unit=user.unit, assignee=user)
    TaskFactory(
        content="Của đồng nghiệp", lead_unit=user.unit, assignee=UserFactory(unit=user.unit)
    )
    response = client.get(reverse("tasks:mine"), {"nhom": "chua_thuc_hien"})
    tasks = list(response.context["page"])
    assert [t.content for t in tasks] == ["Của tôi"]
    assert tasks[0].may_update and not tasks[0].may_assign


def test_the_leader_sees_requests_for_their_area_only(client, today):
    mine, other = UnitFactory(), UnitFactory()
    leader = login(client, role=Role.LEADERSHIP)
    leader.units_in_charge.add(mine)
    head = UserFactory(role=Role.UNIT_HEAD, unit=mine)
    asked = TaskFactory(content="Xin gia hạn A", lead_unit=mine)
    not_mine = TaskFactory(content="Xin gia hạn B", lead_unit=other)
    for task in (asked, not_mine):
        request_deadline_change(task=task, by=head, new_due_date=today + timedelta(30), reason="x")
    response = client.get(reverse("tasks:leadership"))
    assert [c.task.content for c in response.context["changes"]] == ["Xin gia hạn A"]
    page = response.content.decode()
    assert "Xin gia hạn A" in page and "Xin gia hạn B" not in page


def test_only_leaders_open_the_leadership_page(client):
    login(client, role=Role.UNIT_HEAD)
    assert client.get(reverse("tasks:leadership")).status_code == 403


def test_the_dashboard_figures_add_up_to_the_number_of_tasks(client, today):
    TaskFactory(status=Status.NOT_STARTED, due_date=today + timedelta(days=2))  # due soon
    TaskFactory(status=Status.IN_PROGRESS, due_date=today + timedelta(days=60))
    TaskFactory(status=Status.PAUSED, due_date=today + timedelta(days=60))
    login(client, role=Role.OFFICE)
    page = client.get(reverse("tasks:dashboard")).content.decode()

    def figure(name: str) -> str:
        start = page.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
        return page[start : page.index("<", start)]

    assert figure("not-due-yet") == "1"  # the task due soon is counted once, as due soon
    assert figure("stopped") == "1"
    assert "?punctuality=chua_den_han" in page


def test_a_unit_dashboard_names_the_unit_not_all_units(client, today):
    user = login(client, role=Role.STAFF)
    page = client.get(reverse("tasks:dashboard")).content.decode()
    assert "Tất cả đơn vị" not in page and user.unit.name in page
    login(client, role=Role.OFFICE)
    assert "Tất cả đơn vị" in client.get(reverse("tasks:dashboard")).content.decode()


def test_the_list_shows_the_tasks_not_due_yet_that_the_dashboard_counts(client, today):
    TaskFactory(content="Chưa đến hạn", status=Status.IN_PROGRESS, due_date=today + timedelta(60))
    TaskFactory(content="Chưa làm", status=Status.NOT_STARTED, due_date=today + timedelta(60))
    TaskFactory(content="Sắp đến hạn", status=Status.NOT_STARTED, due_date=today + timedelta(2))
    login(client, role=Role.OFFICE)
    response = client.get(reverse("tasks:list"), {"punctuality": "chua_den_han"})
    assert set(listed_contents(response)) == {"Chưa đến hạn", "Chưa làm"}


def test_the_header_names_the_persons_unit_and_follows_a_rename(client):
    unit = UnitFactory(name="Văn phòng Sở", short_name="VP Sở")
    login(client, role=Role.OFFICE, unit=unit)
    url = reverse("tasks:list")
    assert "· VP Sở</small>" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    assert not [q for q in captured if 'FROM "plans_unit" WHERE "plans_unit"."id" =' in q["sql"]]
    unit.short_name = "Văn phòng"
    unit.save()
    assert "· Văn phòng</small>" in client.get(url).content.decode()
