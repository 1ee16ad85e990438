"""The evaluation pages: the list of a period, the sheet, the evaluator's forms, the downloads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from evaluation import services
from evaluation.models import Evaluation, TaskFactor, TaskJudgement
from evaluation.scoring import Level
from tests.evaluation.conftest import Q3, give, pdf_text
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("evaluation:list")
PERIOD = services.evaluation_period(Q3)


def sheet(person, suffix=""):
    return reverse(f"evaluation:{suffix or 'sheet'}", args=[person.pk]) + f"?period={Q3}"


def test_staff_are_sent_to_their_own_sheet_and_see_no_one_elses(client, org):
    client.force_login(org.ngan)
    response = client.get(LIST + f"?period={Q3}")
    assert response.status_code == 302 and response.url == sheet(org.ngan)
    assert client.get(sheet(org.ngan)).status_code == 200
    assert client.get(sheet(org.nam)).status_code == 404
    assert client.get(sheet(org.nam, "pdf")).status_code == 404
    response = client.post(reverse("evaluation:general", args=[org.nam.pk]),
                           {"period": Q3, "points": "30"})  # fmt: skip
    assert response.status_code == 404
    assert not Evaluation.objects.exists()


def test_a_unit_head_lists_and_evaluates_only_their_staff(client, org):
    give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 1), content="Báo cáo số hóa")
    client.force_login(org.head)
    page = client.get(LIST + f"?period={Q3}").content.decode()
    assert "Ngô Thị Kim Ngân" in page and "Trương Hoàng Nam" in page
    assert org.outsider.full_name not in page and org.head.full_name not in page.split("<main")[1]
    for person in (org.outsider, org.head):
        response = client.post(reverse("evaluation:general", args=[person.pk]),
                               {"period": Q3, "points": "30"})  # fmt: skip
        assert response.status_code == 404


def test_a_leader_evaluates_the_heads_of_the_units_in_their_charge(client, org):
    client.force_login(org.leader)
    page = client.get(LIST + f"?period={Q3}").content.decode()
    assert org.head.full_name in page and "Ngô Thị Kim Ngân" not in page
    # leadership reads everyone's sheets on asking
    assert "Ngô Thị Kim Ngân" in client.get(LIST + f"?period={Q3}&scope=all").content.decode()
    response = client.post(reverse("evaluation:general", args=[org.head.pk]),
                           {"period": Q3, "points": "27.5"})  # fmt: skip
    assert response.status_code == 302
    assert Evaluation.objects.get(person=org.head).general_points == Decimal("27.50")
    client.force_login(org.other_leader)
    response = client.post(reverse("evaluation:general", args=[org.head.pk]),
                           {"period": Q3, "points": "10"})  # fmt: skip
    assert response.status_code == 404


def test_a_unit_head_confirms_a_level_and_must_give_a_reason_to_change_it(client, org):
    give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 1))  # all 70 points
    client.force_login(org.head)
    client.post(reverse("evaluation:general", args=[org.ngan.pk]),
                {"period": Q3, "points": "25", "note": "Tích cực"})  # fmt: skip
    evaluation = Evaluation.objects.get(person=org.ngan)
    assert (evaluation.total_points, evaluation.proposed_level) == (Decimal(95), Level.EXCELLENT)
    confirm = reverse("evaluation:confirm", args=[org.ngan.pk])
    response = client.post(confirm, {"period": Q3, "level": Level.GOOD}, follow=True)
    assert "xin nêu lý do" in response.content.decode()
    assert Evaluation.objects.get(person=org.ngan).state == Evaluation.State.DRAFT
    client.post(confirm, {"period": Q3, "level": Level.GOOD, "reason": "Giữ tỷ lệ 20%"})
    evaluation.refresh_from_db()
    assert evaluation.confirmed_level == Level.GOOD and evaluation.change_reason == "Giữ tỷ lệ 20%"
    page = client.get(sheet(org.ngan)).content.decode()
    assert "Hoàn thành tốt nhiệm vụ" in page and "Giữ tỷ lệ 20%" in page
    assert 'action="' + confirm not in page  # nothing left to fill in


def test_the_list_warns_when_excellent_exceeds_a_fifth_of_good(client, org):
    for person in (org.ngan, org.nam):
        give(person, due=date(2026, 9, 1), done=date(2026, 9, 1))
    client.force_login(org.head)
    services.save_general_points(person=org.ngan, period=PERIOD, by=org.head, points=Decimal(25))
    services.save_general_points(person=org.nam, period=PERIOD, by=org.head, points=Decimal(25))
    services.confirm_level(person=org.nam, period=PERIOD, by=org.head, level=Level.GOOD,
                           reason="Chưa có sáng kiến")  # fmt: skip
    # Ngân proposed "xuất sắc" (95), Nam "tốt": 1 > 20% of 1
    page = client.get(LIST + f"?period={Q3}").content.decode()
    assert "vượt quá 20%" in page
    services.confirm_level(person=org.ngan, period=PERIOD, by=org.head, level=Level.GOOD,
                           reason="Giữ tỷ lệ")  # fmt: skip
    assert "vượt quá 20%" not in client.get(LIST + f"?period={Q3}").content.decode()


def test_the_unit_head_weighs_and_judges_tasks_from_the_sheet(client, org):
    task = give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 1))
    client.force_login(org.head)
    client.post(reverse("evaluation:factor", args=[task.pk]), {"period": Q3, "factor": "1.5"})
    client.post(reverse("evaluation:judge", args=[task.pk]),
                {"period": Q3, "kind": "quality", "note": "Thiếu số liệu"})  # fmt: skip
    assert TaskFactor.objects.get(task=task).factor == Decimal("1.50")
    assert TaskJudgement.objects.get(task=task).by == org.head
    page = client.get(sheet(org.ngan)).content.decode()
    assert "1 lần không đạt yêu cầu" in page
    client.force_login(org.ngan)
    response = client.post(reverse("evaluation:factor", args=[task.pk]),
                           {"period": Q3, "factor": "5"})  # fmt: skip
    assert response.status_code == 404
    assert TaskFactor.objects.get(task=task).factor == Decimal("1.50")


def test_a_bad_period_is_not_found(client, org):
    client.force_login(org.head)
    assert client.get(LIST + "?period=2026-Q9").status_code == 404
    assert (
        client.get(reverse("evaluation:sheet", args=[org.ngan.pk]) + "?period=x").status_code == 404
    )


@pytest.fixture
def confirmed(org):
    give(org.ngan, due=date(2026, 8, 31), done=date(2026, 9, 5), content="Báo cáo chuyên đề")
    give(org.ngan, due=date(2026, 9, 15), done=date(2026, 9, 10), content="Dự thảo quy chế")
    # 70 × (1 + 1 + (0.75 + 1) / 2) / 3 = 67.08, + 20 = 87.08: "tốt"
    services.save_general_points(person=org.ngan, period=PERIOD, by=org.head, points=Decimal(20))
    return services.confirm_level(person=org.ngan, period=PERIOD, by=org.head, level=Level.GOOD)


def test_the_sheet_downloads_as_excel_task_by_task(client, org, confirmed):
    client.force_login(org.leader)  # in charge of the unit: may read, not evaluate, Ngân's sheet
    client.force_login(org.office)
    response = client.get(sheet(org.ngan, "xlsx"))
    assert response.status_code == 200
    assert "phieu-danh-gia-ngan-2026-Q3.xlsx" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    flat = [str(v) for row in values for v in row]
    assert "Ngô Thị Kim Ngân" in flat
    assert any("Báo cáo chuyên đề" in v for v in flat)
    assert "Hoàn thành tốt nhiệm vụ" in flat
    late = next(row for row in values if any("Báo cáo chuyên đề" in str(v) for v in row))
    assert any("Chậm 5 ngày" in str(v) for v in late)
    total = next(row for row in values if "Tổng điểm" in row)
    assert total[1] == pytest.approx(87.08)


def test_the_sheet_downloads_as_pdf(client, org, confirmed):
    client.force_login(org.ngan)  # one's own sheet
    response = client.get(sheet(org.ngan, "pdf"))
    text = pdf_text(response)
    assert "PHIẾU THEO DÕI, ĐÁNH GIÁ, XẾP LOẠI" in text
    assert "Ngô Thị Kim Ngân" in text and "Dự thảo quy chế" in text
    assert "Hoàn thành tốt nhiệm vụ" in text
    assert "87,08" in text or "87.08" in text


def test_the_list_page_queries_do_not_grow_with_the_people_on_it(
    client, org, django_assert_max_num_queries
):
    client.force_login(org.head)
    for person in (org.ngan, org.nam):
        give(person, due=date(2026, 9, 1), done=date(2026, 9, 1))
    client.get(LIST + f"?period={Q3}")  # warm: the first view keeps names, units, badge
    with django_assert_max_num_queries(20) as few:
        client.get(LIST + f"?period={Q3}")
    for n in range(12):
        person = UserFactory(role=Role.STAFF, unit=org.division)
        give(person, due=date(2026, 9, 1 + n), done=date(2026, 9, 1 + n))
        services.save_general_points(person=person, period=PERIOD, by=org.head, points=Decimal(20))
    expected = len(few.captured_queries)  # read now: the next request empties the log
    client.get(LIST + f"?period={Q3}")  # new people: what is kept under their version, read again
    with django_assert_max_num_queries(expected) as many:
        response = client.get(LIST + f"?period={Q3}")
    assert response.content.decode().count("/danh-gia/") >= 14
    assert len(many.captured_queries) == expected


def test_the_menu_leads_to_the_evaluations(client, org):
    client.force_login(org.head)
    page = client.get(reverse("tasks:mine")).content.decode()
    assert f'href="{LIST}"' in page


def test_the_leaders_list_of_unit_heads_has_a_fixed_number_of_queries(
    client, org, django_assert_max_num_queries
):
    client.force_login(org.leader)
    give(org.head, due=date(2026, 9, 1), done=date(2026, 9, 1))
    with django_assert_max_num_queries(30) as few:
        client.get(LIST + f"?period={Q3}")
    for n in range(5):
        unit = UnitFactory(name=f"Phòng số {n}")
        org.leader.units_in_charge.add(unit)
        head = UserFactory(role=Role.UNIT_HEAD, unit=unit)
        give(head, due=date(2026, 9, 2), done=date(2026, 9, 2))
        give(UserFactory(unit=unit), due=date(2026, 9, 3), done=date(2026, 9, 9))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(LIST + f"?period={Q3}").content.decode()
    assert page.count("gồm kết quả đơn vị") == 6


def test_the_pages_need_no_inline_style_or_script_under_the_policy(client, org):
    give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 1))
    client.force_login(org.head)
    for url in (LIST + f"?period={Q3}", sheet(org.ngan)):
        page = client.get(url).content.decode()
        assert "style=" not in page and "<style" not in page and "onclick" not in page
