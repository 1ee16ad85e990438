"""/api/tasks/ takes the task list page's filters and sorts; /api/tasks/sync/ pages by change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from api.sync import encode_cursor
from tasks.models import Task
from tasks.punctuality import Status
from tests.api.test_api import api_for
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [task["id"] for task in response.json()["results"]]


@pytest.fixture
def tasks(today):
    """A small city: two units (one under the other) and a third apart, tasks of each kind."""
    dept = UnitFactory(name="Sở Khoa học và Công nghệ")
    division = UnitFactory(name="Phòng Chuyển đổi số", parent=dept)
    other = UnitFactory(name="Văn phòng UBND")
    plan = PlanFactory()
    person = UserFactory(unit=division)
    return {
        "dept": dept,
        "division": division,
        "other": other,
        "plan": plan,
        "overdue": TaskFactory(
            content="Xây dựng Trợ lý ảo", plan=plan, lead_unit=division, assignee=person,
            status=Status.IN_PROGRESS, due_date=today - timedelta(days=3),
        ),
        "due_soon": TaskFactory(
            content="Rà soát quy chế", lead_unit=dept, due_date=today + timedelta(days=2)
        ),
        "later": TaskFactory(
            content="Tổ chức hội nghị", plan=plan, lead_unit=other, product="",
            due_date=today + timedelta(days=90),
        ),
        "done": TaskFactory(
            content="Ban hành kế hoạch", lead_unit=other, status=Status.DONE,
            completed_on=today - timedelta(days=10), due_date=today - timedelta(days=5),
        ),
        "undated": TaskFactory(content="Thường xuyên", lead_unit=division, due_date=None),
    }  # fmt: skip


QUERIES = [
    "",
    "punctuality=overdue",
    "punctuality=due_soon",
    "punctuality=chua_den_han",
    "punctuality=done_early",
    "status=done",
    "missing=any",
    "missing=ket_qua",
    "missing=nguoi",
    "q=tro ly AO",
    "due_from=2026-11-01&due_to=2026-11-30",
    "due_from=20/11/2026",
    "sort=han",
    "sort=-han",
    "sort=don_vi",
    "sort=-tien_do",
    "sort=-cap_nhat&status=not_started",
]


@pytest.mark.parametrize("role", [Role.OFFICE, Role.UNIT_HEAD])
def test_a_page_query_string_lists_the_same_tasks_in_the_same_order(client, tasks, role):
    user = UserFactory(role=role, unit=tasks["dept"])
    client.force_login(user)
    api = api_for(user)
    queries = [*QUERIES, f"plan={tasks['plan'].pk}", f"unit={tasks['division'].pk}"]
    for query in queries:
        on_page = [t.pk for t in client.get(f"{reverse('tasks:list')}?{query}").context["page"]]
        assert ids(api.get(f"/api/tasks/?{query}")) == on_page, query
    assert len(ids(api.get("/api/tasks/?punctuality=overdue"))) == 1


def test_ordering_is_the_pages_sort_under_its_api_name(tasks):
    api = api_for(UserFactory(role=Role.OFFICE))
    by_due = ids(api.get("/api/tasks/?ordering=han"))
    assert by_due == [
        tasks[k].pk for k in ("done", "overdue", "due_soon", "later", "undated")
    ]  # no due date: last either way
    assert ids(api.get("/api/tasks/?ordering=-han")) == [*reversed(by_due[:-1]), by_due[-1]]
    assert ids(api.get("/api/tasks/?sort=han")) == by_due
    refused = api.get("/api/tasks/?ordering=due_date")
    assert refused.status_code == 400
    assert "«due_date»" in refused.json()["ordering"][0]
    assert "han, -han" in refused.json()["ordering"][0]
    assert api.get("/api/tasks/?punctuality=late").status_code == 400


def test_ties_are_broken_by_id_so_pages_never_repeat_a_task(tasks, today):
    for _i in range(5):
        TaskFactory(lead_unit=tasks["other"], due_date=today)
    api = api_for(UserFactory(role=Role.OFFICE))
    seen = []
    for page in (1, 2, 3, 4):
        seen += ids(api.get(f"/api/tasks/?ordering=han&page_size=3&page={page}"))
    assert sorted(seen) == sorted(Task.objects.values_list("pk", flat=True))


def test_the_page_size_is_chosen_up_to_500(tasks):
    plan, unit = PlanFactory(), UnitFactory()
    Task.objects.bulk_create(
        Task(plan=plan, lead_unit=unit, content=f"Nhiệm vụ {n}", position=n) for n in range(500)
    )
    api = api_for(UserFactory(role=Role.OFFICE))
    assert len(ids(api.get("/api/tasks/?page_size=2"))) == 2
    assert len(ids(api.get("/api/tasks/"))) == 50
    body = api.get("/api/tasks/?page_size=100000").json()
    assert body["count"] == 505 and len(body["results"]) == 500 and body["next"]


def test_a_unit_head_sees_only_their_units_tasks_through_every_filter(tasks):
    head = UserFactory(role=Role.UNIT_HEAD, unit=tasks["dept"])
    api = api_for(head)
    theirs = {tasks[k].pk for k in ("overdue", "due_soon", "undated")}
    for query in [*QUERIES, f"plan={tasks['plan'].pk}", f"unit={tasks['dept'].pk}"]:
        assert set(ids(api.get(f"/api/tasks/?{query}"))) <= theirs, query
    assert ids(api.get(f"/api/tasks/?plan={tasks['plan'].pk}")) == [tasks["overdue"].pk]
    # Another unit's tasks: the filter finds nothing, as for a unit without tasks.
    other = api.get(f"/api/tasks/?unit={tasks['other'].pk}")
    assert other.json()["count"] == 0
    assert ids(api.get(f"/api/tasks/?unit={UnitFactory().pk}")) == []
    assert api.get(f"/api/tasks/{tasks['later'].pk}/").status_code == 404


def test_the_list_query_count_is_fixed_at_100_a_page(tasks, django_assert_max_num_queries):
    plan = PlanFactory()
    for _i in range(120):
        TaskFactory(
            plan=plan,
            lead_unit=tasks["division"],
            assignee=UserFactory(unit=tasks["division"]),
            authority_user=UserFactory(),
        ).coordinating_units.add(tasks["other"], tasks["dept"])
    head = UserFactory(role=Role.UNIT_HEAD, unit=tasks["dept"])
    api = api_for(head)
    # token and user, the head's units, the count, the page's ids, its rows, their
    # coordinating units
    with django_assert_max_num_queries(6):
        body = api.get("/api/tasks/?page_size=100&punctuality=chua_den_han&ordering=don_vi").json()
    assert len(body["results"]) == 100
    coordinating = body["results"][-1]["six_ro"]["trach_nhiem"]["coordinating_units"]
    assert sorted(coordinating) == sorted([tasks["other"].pk, tasks["dept"].pk])


def test_the_schema_lists_every_filter_the_ordering_the_page_size_and_the_cursor():
    api = api_for(UserFactory(role=Role.OFFICE))
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    def parameters(path: str) -> dict[str, dict]:
        return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}

    listed = parameters("/api/tasks/")
    assert set(listed) == {
        *("q", "plan", "unit", "status", "punctuality", "missing", "group"),
        *("due_from", "due_to"),
        *("sort", "ordering", "page", "page_size"),
    }
    assert listed["punctuality"]["description"].startswith("Tiến độ so với hạn")
    assert {"overdue", "due_soon", "chua_den_han"} <= set(listed["punctuality"]["schema"]["enum"])
    assert "han" in listed["ordering"]["schema"]["enum"]
    assert listed["unit"]["schema"]["type"] == "integer"
    assert listed["due_from"]["schema"]["format"] == "date"
    assert "500" in listed["page_size"]["description"]
    assert set(parameters("/api/tasks/sync/")) == {"cursor", "page_size"}
    changes = schema["components"]["schemas"]["TaskChanges"]["properties"]
    assert set(changes) == {"next_cursor", "more", "results"}


class TestSync:
    def sync(self, api, cursor=None, **params):
        if cursor:
            params["cursor"] = cursor
        response = api.get("/api/tasks/sync/", params)
        assert response.status_code == 200, response.content
        return response.json()

    def test_a_system_gets_every_change_once_in_the_order_made(self, frozen_clock):
        unit = UnitFactory()
        first = [TaskFactory(lead_unit=unit) for _i in range(5)]
        api = api_for(UserFactory(role=Role.OFFICE))
        # Held back while a slower writer could still commit a change behind the cursor.
        assert self.sync(api) == {"next_cursor": None, "more": False, "results": []}
        frozen_clock.shift(timedelta(minutes=10))
        page = self.sync(api, page_size=2)
        assert [t["id"] for t in page["results"]] == [first[0].pk, first[1].pk]
        assert page["more"]
        # first[0] changes during the paging: it comes again, after the others; none skipped
        first[0].percent = 40
        first[0].save()
        cursor, seen = page["next_cursor"], []
        frozen_clock.shift(timedelta(minutes=10))
        while True:
            page = self.sync(api, cursor, page_size=2)
            seen += [(t["id"], t["percent"]) for t in page["results"]]
            cursor = page["next_cursor"]
            if not page["more"]:
                break
        assert seen == [(t.pk, 0) for t in first[2:]] + [(first[0].pk, 40)]
        # Nothing new: the same cursor comes back, to be kept for the next call.
        assert self.sync(api, cursor) == {"next_cursor": cursor, "more": False, "results": []}

    def test_it_shows_only_what_the_caller_may_see(self, frozen_clock):
        head = UserFactory(role=Role.UNIT_HEAD)
        mine = TaskFactory(lead_unit=head.unit)
        TaskFactory(lead_unit=UnitFactory())
        frozen_clock.shift(timedelta(minutes=10))
        assert [t["id"] for t in self.sync(api_for(head))["results"]] == [mine.pk]

    def test_a_cursor_that_was_not_given_is_refused(self):
        api = api_for(UserFactory(role=Role.OFFICE))
        huge = encode_cursor(timezone.now(), 10**30)
        for cursor in ("xyz", "MjAyNi0xMS0yMnw1", "a" * 300, huge):
            response = api.get("/api/tasks/sync/", {"cursor": cursor})
            assert response.status_code == 400
            assert "next_cursor" in response.json()["cursor"][0]

    def test_changes_wait_as_long_as_the_settings_say(self, frozen_clock, settings):
        settings.API_SYNC_SETTLE_SECONDS = 60
        task = TaskFactory()
        api = api_for(UserFactory(role=Role.OFFICE))
        frozen_clock.shift(timedelta(seconds=30))
        assert self.sync(api)["results"] == []
        frozen_clock.shift(timedelta(seconds=31))
        assert [t["id"] for t in self.sync(api)["results"]] == [task.pk]
