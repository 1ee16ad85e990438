from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tasks.punctuality import Status
from tests.factories import (
    PlanFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
    listed_contents,
)

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
    return set(listed_contents(response))


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
    TaskFactory(content="D", plan=plan, status=Status.CANCELLED)
    login(client, role=Role.OFFICE)
    assert shown(client.get(URL, {"plan": plan.pk})) == {"A", "D"}
    assert shown(client.get(URL, {"unit": vp.pk})) == {"B", "C"}
    assert shown(client.get(URL, {"status": Status.DONE})) == {"A"}
    assert shown(client.get(URL, {"status": "chua_xong"})) == {"B", "C"}  # all but done/cancelled
    assert shown(client.get(URL, {"punctuality": "overdue"})) == {"B"}
    assert shown(client.get(URL, {"missing": "ket_qua"})) == {"C"}
    assert shown(client.get(URL, {"missing": "any"})) == {"A", "B", "C", "D"}  # nobody assigned


def test_it_filters_by_a_range_of_due_dates(client):
    TaskFactory(content="Tháng 10", due_date=date(2026, 10, 31))
    TaskFactory(content="Tháng 11", due_date=date(2026, 11, 30))
    TaskFactory(content="Tháng 12", due_date=date(2026, 12, 31))
    login(client, role=Role.OFFICE)
    november = {"due_from": "01/11/2026", "due_to": "30/11/2026"}
    assert shown(client.get(URL, november)) == {"Tháng 11"}
    assert shown(client.get(URL, {"due_from": "2026-11-01"})) == {"Tháng 11", "Tháng 12"}
    page = client.get(URL).content.decode()
    assert 'type="date" name="due_from"' in page and "Hạn đến ngày" in page


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


def test_each_row_shows_the_partners_status_and_last_update_as_people_read_them(client, units):
    cds, vp = units
    task = TaskFactory(
        content="Số hóa hồ sơ",
        status=Status.IN_PROGRESS,
        percent=40,
        # 00:30 on 21/11 in Hà Nội is still 20/11 in UTC: the page shows the local day.
        last_update_at=datetime(2026, 11, 20, 17, 30, tzinfo=UTC),
    )
    task.coordinating_units.set([cds, vp])
    login(client, role=Role.OFFICE)
    page = client.get(URL).content.decode()
    assert "Phối hợp: Phòng Chuyển đổi số, Văn phòng Sở" in page
    assert "Đang thực hiện · 40%" in page
    assert task.get_deadline_kind_display() in page
    assert "21/11/2026" in page


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
    count_queries(client)  # warm: the first view keeps names, units, badge
    with_ten = count_queries(client)
    TaskFactory.create_batch(990, plan=plan, lead_unit=vp, assignee=UserFactory(unit=vp))
    count_queries(client)  # a new person: what is kept under the names' version, read again
    with_thousand = count_queries(client)
    assert with_ten == with_thousand
    assert with_thousand <= 12


def test_each_row_links_to_its_task_page(client):
    task = TaskFactory(content="Rà soát quy chế")
    login(client, role=Role.OFFICE)
    page = client.get(URL).content.decode()
    assert f'href="{reverse("tasks:detail", args=[task.pk])}"' in page


def order(response) -> list[str]:
    return listed_contents(response)


def test_the_columns_sort_with_the_sort_kept_in_the_links_and_ties_broken_by_id(client, units):
    cds, vp = units
    cds.short_name = "CĐS"
    cds.save()
    TaskFactory(content="A", lead_unit=vp, due_date=date(2026, 12, 1), percent=50)
    TaskFactory(content="B", lead_unit=cds, due_date=None, percent=10)
    TaskFactory(content="C", lead_unit=cds, due_date=date(2026, 12, 1), percent=90)
    TaskFactory(content="D", lead_unit=vp, due_date=date(2026, 11, 30), percent=50)
    login(client, role=Role.OFFICE)
    # no due date comes last both ways; equal dates keep the order they were created in
    assert order(client.get(URL, {"sort": "han"})) == ["D", "A", "C", "B"]
    assert order(client.get(URL, {"sort": "-han"})) == ["C", "A", "D", "B"]
    assert order(client.get(URL, {"sort": "tien_do"})) == ["B", "A", "D", "C"]
    # by the unit's name as shown: "CĐS" before "Văn phòng Sở"
    assert order(client.get(URL, {"sort": "don_vi"})) == ["B", "C", "A", "D"]
    response = client.get(URL, {"sort": "han", "unit": vp.pk})
    assert order(response) == ["D", "A"]
    body = response.content.decode()
    # the header offers the other direction, keeping the filter; the filter form keeps the sort
    assert f"?unit={vp.pk}&amp;sort=-han" in body
    assert 'aria-sort="ascending"' in body
    assert 'type="hidden" name="sort" value="han"' in body
    # an unknown sort is ignored, not an error
    assert client.get(URL, {"sort": "drop table"}).status_code == 200


def test_the_last_update_sort_puts_never_updated_tasks_first_when_oldest_first(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    TaskFactory(content="Mới", last_update_at=datetime(2026, 11, 20, 9, tzinfo=tz))
    TaskFactory(content="Chưa")
    TaskFactory(content="Cũ", last_update_at=datetime(2026, 10, 1, 9, tzinfo=tz))
    login(client, role=Role.OFFICE)
    assert order(client.get(URL, {"sort": "cap_nhat"})) == ["Chưa", "Cũ", "Mới"]
    assert order(client.get(URL, {"sort": "-cap_nhat"})) == ["Mới", "Cũ", "Chưa"]


def test_pages_keep_the_sort_and_never_repeat_a_row(client, settings):
    settings.TASKS_PER_PAGE = 3
    TaskFactory.create_batch(7, due_date=date(2026, 12, 31))
    login(client, role=Role.OFFICE)
    seen = []
    for number in (1, 2, 3):
        response = client.get(URL, {"sort": "han", "page": number})
        seen += order(response)
    assert len(seen) == len(set(seen)) == 7
    assert "sort=han&amp;page=2" in client.get(URL, {"sort": "han"}).content.decode()


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("99", 3), ("9" * 30, 3), ("9" * 5000, 1), ("abc", 1), ("0", 1), ("-5", 1), ("", 1)],
)
def test_a_page_number_out_of_range_shows_the_last_or_the_first_page(
    client, settings, asked, shown
):
    settings.TASKS_PER_PAGE = 3
    TaskFactory.create_batch(7, due_date=date(2026, 12, 31))
    login(client, role=Role.OFFICE)
    response = client.get(URL, {"sort": "han", "page": asked})
    page = response.context["page"]
    assert page.number == shown and page.paginator.count == 7
    assert len(page.object_list) == (1 if shown == 3 else 3)
    assert "7 nhiệm vụ" in response.content.decode()


def test_an_empty_list_says_so(client):
    login(client, role=Role.OFFICE)
    response = client.get(URL, {"page": "2"})
    assert response.context["page"].paginator.count == 0
    assert "Không có nhiệm vụ nào khớp với bộ lọc." in response.content.decode()


def test_the_list_query_count_is_pinned_when_sorted(client, units, django_assert_max_num_queries):
    cds, _vp = units
    login(client, role=Role.UNIT_HEAD, unit=cds)
    TaskFactory.create_batch(30, lead_unit=cds, assignee=UserFactory(unit=cds))
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"sort": "don_vi"})
    assert len(response.context["page"].object_list) == 25


def test_the_campaigns_key_and_breakthrough_tasks_are_their_own_group(client):
    unit = UnitFactory()
    key = TaskFactory(lead_unit=unit, content="Việc trọng tâm", is_key=True)
    breakthrough = TaskFactory(lead_unit=unit, content="Việc đột phá", is_breakthrough=True)
    TaskFactory(lead_unit=unit, content="Việc thường")
    client.force_login(UserFactory(role=Role.OFFICE))

    page = client.get(reverse("tasks:list"), {"group": "trong_tam_dot_pha"}).content.decode()
    unit_page = client.get(reverse("tasks:unit", args=[unit.pk])).content.decode()

    assert key.content in page and breakthrough.content in page and "Việc thường" not in page
    assert "Trọng tâm</span>" in page and "Đột phá</span>" in page
    assert "2 nhiệm vụ trọng tâm, đột phá của đơn vị" in unit_page
    only_key = client.get(reverse("tasks:list"), {"group": "trong_tam"}).content.decode()
    assert key.content in only_key and breakthrough.content not in only_key


def test_the_selects_name_people_units_and_plans_as_everywhere_else_and_escape_them(client, units):
    cds, _vp = units
    login(client, role=Role.UNIT_HEAD, unit=cds)
    people = [
        UserFactory(unit=cds, full_name="", first_name="An", last_name="Lê", username="an.le"),
        UserFactory(unit=cds, full_name="", first_name="", last_name="", username="chi.vo"),
    ]
    UserFactory(unit=cds, full_name="<b>Bình</b>")
    plans = [PlanFactory(short_name="", number=""), PlanFactory(short_name="KH 500 ngày")]
    TaskFactory(lead_unit=cds)
    page = client.get(URL, {"unit": cds.pk}).content.decode()
    assert "&lt;b&gt;Bình&lt;/b&gt;" in page and "<b>Bình</b>" not in page
    assert all(f">{person}</option>" in page for person in people)
    assert all(f">{plan}</option>" in page for plan in plans)
    assert f'<option value="{cds.pk}" selected>{cds.display_name}</option>' in page
