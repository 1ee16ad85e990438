from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from tasks.punctuality import Status, local_today
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_it_needs_a_token():
    assert APIClient().get("/api/tasks/").status_code == 401


def test_tasks_carry_their_six_ro_and_punctuality():
    today = local_today()
    person = UserFactory(full_name="Trương Hoàng Nam", title="Chuyên viên")
    TaskFactory(
        content="Xây dựng Trợ lý ảo",
        assignee=person,
        product="",
        due_date=today - timedelta(days=3),
        deadline_text="Quý IV/2026",
    )
    body = api_for(UserFactory(role=Role.OFFICE)).get("/api/tasks/").json()
    assert body["count"] == 1
    task = body["results"][0]
    assert task["punctuality"] == "overdue" and task["days_late"] == 3
    ro = task["six_ro"]
    assert ro["viec"] == "Xây dựng Trợ lý ảo" and ro["nguoi"]["name"] == "Trương Hoàng Nam"
    assert ro["thoi_gian"]["as_written"] == "Quý IV/2026"
    assert ro["missing"] == ["ket_qua"]


def test_the_api_keeps_the_pages_permissions():
    head = UserFactory(role=Role.UNIT_HEAD)
    mine = TaskFactory(lead_unit=head.unit)
    other = TaskFactory(lead_unit=UnitFactory())
    client = api_for(head)
    assert [t["id"] for t in client.get("/api/tasks/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/tasks/{other.pk}/").status_code == 404
    assert client.get(f"/api/tasks/{mine.pk}/").status_code == 200


def test_the_api_is_read_only():
    task = TaskFactory()
    client = api_for(UserFactory(role=Role.OFFICE))
    assert client.patch(f"/api/tasks/{task.pk}/", {"percent": 99}).status_code == 405
    assert client.post("/api/plans/", {}).status_code == 405


def test_the_dashboard_figures_for_a_period_match_the_pages():
    today = local_today()
    unit = UnitFactory(short_name="CĐS")
    TaskFactory(lead_unit=unit, due_date=today - timedelta(2))
    TaskFactory(lead_unit=unit, status=Status.DONE, completed_on=today, due_date=today)
    TaskFactory(lead_unit=unit, due_date=today + timedelta(400))
    client = api_for(UserFactory(role=Role.OFFICE))
    period = {"due_from": (today - timedelta(30)).isoformat(), "due_to": today.isoformat()}
    body = client.get("/api/dashboard/", period).json()
    assert body["figures"]["total"] == 2 and body["figures"]["on_time_rate"] == 50.0
    assert body["units"] == [{"unit": unit.pk, "name": "CĐS", "figures": body["figures"]}]
    assert client.get("/api/dashboard/", {"due_from": "hôm qua"}).status_code == 400


def test_plans_and_units_are_listed_with_pagination():
    PlanFactory.create_batch(3)
    UnitFactory.create_batch(60)
    client = api_for(UserFactory(role=Role.OFFICE))
    assert client.get("/api/plans/").json()["count"] == 3
    units = client.get("/api/units/").json()
    assert units["count"] == 61 and len(units["results"]) == 50 and units["next"]


def test_the_schema_describes_the_endpoints():
    client = api_for(UserFactory(role=Role.OFFICE))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/tasks/" in text and "/api/dashboard/" in text and "six_ro" in text


def test_the_schema_needs_a_token_or_a_login(client):
    assert APIClient().get("/api/schema/").status_code == 401
    client.force_login(UserFactory(role=Role.STAFF))
    assert client.get("/api/schema/").status_code == 200


def test_the_task_list_query_count_does_not_grow_with_rows():
    client = api_for(UserFactory(role=Role.OFFICE))
    plan = PlanFactory()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/tasks/").status_code == 200
        return len(queries)

    TaskFactory.create_batch(2, plan=plan, assignee=UserFactory())
    few = count()
    TaskFactory.create_batch(40, plan=plan, assignee=UserFactory(), authority_user=UserFactory())
    assert count() == few <= 6
