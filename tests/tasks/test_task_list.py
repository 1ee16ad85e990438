from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tasks.punctuality import Status
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
URL = reverse("tasks:list")


@pytest.fixture
def units():
    return UnitFactory(name="Phòng Chuyển đổi số"), UnitFactory(name="Văn phòng Sở")


def login(client, **fields):
    user = UserFactory(**fields)
    client.force_login(user)
    return user


def shown(response) -> set[str]:
    return {task.content for task in response.context["page"].object_list}


def test_it_asks_for_a_login_first(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_unit_head_sees_only_their_units_tasks(client, units):
    cds, vp = units
    TaskFactory(content="Xây dựng Trợ lý ảo", lead_unit=cds)
    TaskFactory(content="Tổ chức hội nghị quán triệt", lead_unit=vp)
    login(client, role=Role.UNIT_HEAD, unit=cds)
    response = client.get(URL)
    assert shown(response) == {"Xây dựng Trợ lý ảo"}
    assert "Tổ chức hội nghị quán triệt" not in response.content.decode()
    # asking for the other unit explicitly is not a way in
    assert "Tổ chức hội nghị quán triệt" not in shown(client.get(URL, {"unit": vp.pk}))


def test_staff_see_their_units_tasks_and_those_assigned_to_them(client, units):
    cds, vp = units
    TaskFactory(content="Của phòng", lead_unit=cds)
    user = login(client, role=Role.STAFF, unit=cds)
    TaskFactory(content="Giao riêng", lead_unit=vp, assignee=user)
    TaskFactory(content="Của đơn vị khác", lead_unit=vp)
    assert shown(client.get(URL)) == {"Của phòng", "Giao riêng"}


def test_office_and_leadership_see_everything(client, units):
    cds, vp = units
    TaskFactory(content="Một", lead_unit=cds)
    TaskFactory(content="Hai", lead_unit=vp)
    for role in (Role.OFFICE, Role.LEADERSHIP):
        login(client, role=role, unit=vp)
        assert shown(client.get(URL)) == {"Một", "Hai"}


def test_it_filters_by_plan_unit_status_punctuality_and_what_is_missing(client, units):
    cds, vp = units
    plan = PlanFactory()
    TaskFactory(
        content="A", plan=plan, lead_unit=cds, status=Status.DONE, completed_on=date(2026, 1, 1)
    )
    TaskFactory(content="B", lead_unit=vp, due_date=date(2020, 1, 1))
    TaskFactory(content="C", lead_unit=vp, product="")
    login(client, role=Role.OFFICE)
    assert shown(client.get(URL, {"plan": plan.pk})) == {"A"}
    assert shown(client.get(URL, {"unit": vp.pk})) == {"B", "C"}
    assert shown(client.get(URL, {"status": Status.DONE})) == {"A"}
    assert shown(client.get(URL, {"punctuality": "overdue"})) == {"B"}
    assert shown(client.get(URL, {"missing": "ket_qua"})) == {"C"}
    assert shown(client.get(URL, {"missing": "any"})) == {"A", "B", "C"}  # nobody assigned yet


def test_search_ignores_accents_and_case(client):
    TaskFactory(content="Xây dựng và thí điểm Trợ lý ảo")
    TaskFactory(content="Tổ chức hội nghị")
    login(client, role=Role.OFFICE)
    assert shown(client.get(URL, {"q": "tro ly AO"})) == {"Xây dựng và thí điểm Trợ lý ảo"}
    assert shown(client.get(URL, {"q": "Trợ lý"})) == {"Xây dựng và thí điểm Trợ lý ảo"}


def test_each_row_shows_the_six_ro_and_what_is_missing(client):
    TaskFactory(
        content="Rà soát quy chế",
        product="",
        deadline_text="Quý III/2026",
        due_date=date(2026, 9, 30),
    )
    login(client, role=Role.OFFICE)
    page = client.get(URL).content.decode()
    assert "Rà soát quy chế" in page
    assert "“Quý III/2026”" in page and "30/09/2026" in page
    assert "Còn thiếu:" in page and "kết quả" in page and "người" in page


def test_an_htmx_request_gets_only_the_table(client):
    TaskFactory(content="Một nhiệm vụ")
    login(client, role=Role.OFFICE)
    response = client.get(URL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="task-table"' in body and "<html" not in body


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_number_of_tasks(client, units):
    cds, vp = units
    login(client, role=Role.OFFICE)
    plan = PlanFactory()
    TaskFactory.create_batch(10, plan=plan, lead_unit=cds, assignee=UserFactory(unit=cds))
    with_ten = count_queries(client)
    TaskFactory.create_batch(990, plan=plan, lead_unit=vp, assignee=UserFactory(unit=vp))
    with_thousand = count_queries(client)
    assert with_ten == with_thousand
    assert with_thousand <= 12
