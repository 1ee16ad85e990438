"""A unit evaluated as a body: who evaluates and reads which unit, the proposed level from a known
record, the leader's confirmation, the units' list and the downloads."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from evaluation import services, units
from evaluation.models import UnitEvaluation
from evaluation.permissions import can_evaluate_unit, evaluated_units, visible_units
from evaluation.scoring import Level
from evaluation.units import compute_units, confirm_unit_level
from tasks.models import Task
from tests.evaluation.conftest import Q3, give, pdf_text
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
PERIOD = services.evaluation_period(Q3)
UNITS = reverse("evaluation:units")


@pytest.fixture(autouse=True)
def today():
    """Mid-October 2026: the evaluation pages default to Q3 2026, "last quarter"."""
    moment = datetime(2026, 10, 15, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(moment, tick=False):
        yield


def unit_url(unit, suffix=""):
    return reverse(f"evaluation:unit{suffix}", args=[unit.pk]) + f"?period={Q3}"


def confirm_url(unit):
    return reverse("evaluation:unit_confirm", args=[unit.pk])


@pytest.fixture
def record(org):
    """The division's quarter, worked through:

    - its work: A (Ngân) due 1/9 done 1/9; B (Nam) due 10/9 done 15/9, late and not excused;
      C (Nam, led by the division's team, a unit below it) due 20/9, not done. Each weighs 1/3
      of the 70 points, a third each for quantity, quality and progress (70/9 = 7.78 each):
      A 23.33, B 7.78 + 7.78 + 7.78 × 75% = 21.39, C 0 → 44.72 of 70;
    - its people: Ngân confirmed "tốt", Nam "không hoàn thành" → 1 of 2 at least "hoàn thành"
      → 30 × 50% = 15 points;
    - 44.72 + 15 = 59.72 → "Hoàn thành nhiệm vụ" (50 to under 70).

    The other division's work and people count for nothing here."""
    team = UnitFactory(name="Tổ Dữ liệu", parent=org.division)
    give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 1), content="Báo cáo số hóa")
    give(org.nam, due=date(2026, 9, 10), done=date(2026, 9, 15), content="Dự thảo kế hoạch")
    give(org.nam, due=date(2026, 9, 20), content="Cổng dữ liệu mở", lead_unit=team)
    give(org.outsider, due=date(2026, 9, 2), done=date(2026, 9, 30), content="Việc phòng khác")
    # Ngân: 70 + 25 = 95 "xuất sắc", kept at "tốt"; Nam: 32.08 + 15 = 47.08 "không hoàn thành"
    for person, general in ((org.ngan, 25), (org.nam, 15), (org.outsider, 10)):
        by = org.head if person != org.outsider else org.other_head
        services.save_general_points(person=person, period=PERIOD, by=by, points=Decimal(general))
    services.confirm_level(person=org.ngan, period=PERIOD, by=org.head, level=Level.GOOD,
                           reason="Giữ tỷ lệ xuất sắc")  # fmt: skip
    services.confirm_level(person=org.nam, period=PERIOD, by=org.head, level=Level.NOT_DONE)
    services.confirm_level(person=org.outsider, period=PERIOD, by=org.other_head,
                           level=Level.GOOD)  # fmt: skip
    org.team = team
    return org


def test_the_proposed_level_of_a_unit_with_a_known_record(record):
    computed = compute_units(units=[record.division], period=PERIOD)[record.division.pk]
    assert [round(i.points, 2) for i in computed.tasks.items] == [23.33, 21.39, 0]
    assert computed.tasks_points == Decimal("44.72")
    assert (computed.staff.evaluated, computed.staff.at_least_done) == (2, 1)
    assert computed.staff_points == Decimal("15.00")
    assert computed.total == Decimal("59.72")
    assert computed.proposed == Level.DONE
    # the team alone: C, not done; Nam's sheet is the division's (his unit), not the team's
    team = compute_units(units=[record.team], period=PERIOD)[record.team.pk]
    assert (team.tasks_points, team.staff_points, team.total) == (Decimal(0), None, Decimal(0))
    assert team.proposed == Level.NOT_DONE


@pytest.mark.django_db(transaction=True)
def test_two_first_confirmations_at_once_confirm_it_once(postgres, record, monkeypatch):
    # A double click: both requests find no evaluation yet, and both go on to create it.
    both_looked = threading.Barrier(2, timeout=10)
    first_look = threading.local()
    compute = units.compute_units

    def after_looking(**kwargs):
        if not getattr(first_look, "done", False):
            first_look.done = True
            both_looked.wait()
        return compute(**kwargs)

    monkeypatch.setattr(units, "compute_units", after_looking)
    outcomes = []

    def click():
        try:
            outcomes.append(
                confirm_unit_level(
                    unit=record.division, period=PERIOD, by=record.leader, level=Level.DONE
                ).pk
            )
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [evaluation] = UnitEvaluation.objects.all()
    assert outcomes == [evaluation.pk, evaluation.pk]
    assert (evaluation.state, evaluation.confirmed_level) == (
        UnitEvaluation.State.CONFIRMED,
        Level.DONE,
    )


def test_the_leader_confirms_the_level_and_the_figures_are_kept(record):
    evaluation = confirm_unit_level(
        unit=record.division, period=PERIOD, by=record.leader, level=Level.DONE
    )
    assert evaluation.state == UnitEvaluation.State.CONFIRMED
    assert (evaluation.total_points, evaluation.proposed_level) == (Decimal("59.72"), Level.DONE)
    assert evaluation.change_reason == "" and evaluation.confirmed_by == record.leader
    assert len(evaluation.breakdown["tasks"]["items"]) == 3
    assert [m["name"] for m in evaluation.breakdown["staff"]["rated"]] == [
        "Ngô Thị Kim Ngân",
        "Trương Hoàng Nam",
    ]
    # the same post again changes nothing; another level is refused: it is locked
    again = confirm_unit_level(
        unit=record.division, period=PERIOD, by=record.leader, level=Level.DONE
    )
    assert again.pk == evaluation.pk and UnitEvaluation.objects.count() == 1
    with pytest.raises(ValidationError, match="không sửa được"):
        confirm_unit_level(unit=record.division, period=PERIOD, by=record.leader,
                           level=Level.GOOD, reason="Xem lại")  # fmt: skip
    # the record changes later: the confirmed sheet keeps its figures
    give(record.ngan, due=date(2026, 9, 30), content="Việc giao thêm")
    evaluation.refresh_from_db()
    assert evaluation.total_points == Decimal("59.72")


def test_a_changed_level_needs_a_reason(record, client):
    with pytest.raises(ValidationError, match="xin nêu lý do"):
        confirm_unit_level(unit=record.division, period=PERIOD, by=record.leader, level=Level.GOOD)
    assert not UnitEvaluation.objects.exists()
    client.force_login(record.leader)
    response = client.post(confirm_url(record.division), {"period": Q3, "level": Level.GOOD},
                           follow=True)  # fmt: skip
    assert "xin nêu lý do" in response.content.decode()
    assert not UnitEvaluation.objects.exists()
    reason = "Hoàn thành đề án trọng điểm"
    client.post(confirm_url(record.division), {"period": Q3, "level": Level.GOOD, "reason": reason})
    evaluation = UnitEvaluation.objects.get()
    assert (evaluation.proposed_level, evaluation.confirmed_level) == (Level.DONE, Level.GOOD)
    assert evaluation.change_reason == "Hoàn thành đề án trọng điểm"
    page = client.get(unit_url(record.division)).content.decode()
    assert "Hoàn thành đề án trọng điểm" in page
    assert 'action="' + confirm_url(record.division) not in page  # nothing left to confirm


def test_who_evaluates_and_who_reads_which_unit(org):
    team = UnitFactory(name="Tổ Dữ liệu", parent=org.division)
    admin = UserFactory(username="admin", role=Role.ADMIN, is_superuser=True)
    assert set(evaluated_units(org.leader)) == {org.division, team}
    assert can_evaluate_unit(org.leader, team)
    assert not can_evaluate_unit(org.other_leader, org.division)
    assert can_evaluate_unit(admin, org.division) and can_evaluate_unit(admin, org.other)
    for reader in (org.head, org.office, org.ngan):
        assert not evaluated_units(reader).exists()
    assert set(visible_units(org.head)) == {org.division, team}
    assert set(visible_units(org.office)) == {org.division, team, org.other}
    assert not visible_units(org.ngan).exists()


def test_the_pages_follow_who_evaluates_and_who_reads(client, record):
    division = record.division
    post = {"period": Q3, "level": Level.DONE}
    # another leader reads it (leadership reads every unit) but does not confirm it
    client.force_login(record.other_leader)
    assert 'action="' + confirm_url(division) not in client.get(unit_url(division)).content.decode()
    assert client.post(confirm_url(division), post).status_code == 404
    # the unit head reads their own unit's sheet, not another's, and confirms nothing
    client.force_login(record.head)
    page = client.get(unit_url(division)).content.decode()
    assert "59,72" in page or "59.72" in page
    assert 'action="' + confirm_url(division) not in page
    assert client.get(unit_url(record.other)).status_code == 404
    assert client.post(confirm_url(division), post).status_code == 404
    assert record.division.name in client.get(UNITS).content.decode()
    # staff: sent to their own sheet; no unit sheet, no download
    client.force_login(record.ngan)
    assert client.get(UNITS).status_code == 302
    assert client.get(unit_url(division)).status_code == 404
    assert client.get(unit_url(division, "_xlsx")).status_code == 404
    # Văn phòng reads every unit, confirms none
    client.force_login(record.office)
    assert client.get(unit_url(record.other)).status_code == 200
    assert client.post(confirm_url(division), post).status_code == 404
    assert not UnitEvaluation.objects.exists()
    # the leader in charge confirms from the sheet
    client.force_login(record.leader)
    page = client.get(unit_url(division)).content.decode()
    assert 'action="' + confirm_url(division) in page
    assert (
        reverse("tasks:detail", args=[Task.objects.get(content="Báo cáo số hóa").pk]) in page
    )  # traceable
    assert reverse("evaluation:sheet", args=[record.nam.pk]) in page
    assert client.post(confirm_url(division), post).status_code == 302
    assert UnitEvaluation.objects.get().confirmed_level == Level.DONE


def test_the_units_list_shows_the_levels_for_the_period(client, record):
    confirm_unit_level(unit=record.division, period=PERIOD, by=record.leader, level=Level.DONE)
    client.force_login(record.leader)
    page = client.get(UNITS).content.decode()  # "last quarter" by default: Q3 2026
    main = page.split("<main")[1]
    assert "Quý III/2026" in page
    assert record.division.display_name in main and record.team.display_name in main
    assert record.other.display_name not in main
    assert "Hoàn thành nhiệm vụ" in main and "1/2" in main
    assert 'aria-current="page">Đơn vị' in page
    # leadership may widen to every unit
    assert record.other.display_name in client.get(UNITS + "?scope=all").content.decode()
    # the people's tab leads here
    assert f'href="{UNITS}?period={Q3}"' in client.get(reverse("evaluation:list")).content.decode()


def test_the_units_list_has_a_fixed_number_of_queries(
    client, record, django_assert_max_num_queries
):
    client.force_login(record.leader)
    client.get(UNITS + f"?period={Q3}")  # warm: the first view keeps names, units, badge
    with django_assert_max_num_queries(30) as few:
        client.get(UNITS + f"?period={Q3}")
    for n in range(5):
        unit = UnitFactory(name=f"Phòng số {n}")
        record.leader.units_in_charge.add(unit)
        UnitFactory(name=f"Tổ {n}", parent=unit)
        head, person = UserFactory(role=Role.UNIT_HEAD, unit=unit), UserFactory(unit=unit)
        give(person, due=date(2026, 9, 2), done=date(2026, 9, 9))
        services.save_general_points(person=person, period=PERIOD, by=head, points=Decimal(20))
        services.confirm_level(person=person, period=PERIOD, by=head, level=Level.DONE,
                               reason="Theo kết quả sơ kết")  # fmt: skip
        confirm_unit_level(unit=unit, period=PERIOD, by=record.leader, level=Level.DONE,
                           reason="Theo kết quả sơ kết")  # fmt: skip
    expected = len(few.captured_queries)  # read now: the next request empties the log
    client.get(UNITS + f"?period={Q3}")  # new units: what is kept under their version, again
    with django_assert_max_num_queries(expected) as many:
        page = client.get(UNITS + f"?period={Q3}").content.decode()
    assert page.count("Phòng số") == 5 and page.count("Tổ ") == 6
    assert len(many.captured_queries) == expected


def test_the_unit_sheet_downloads_as_excel_with_the_unit_name(client, record):
    confirm_unit_level(unit=record.division, period=PERIOD, by=record.leader, level=Level.DONE)
    client.force_login(record.office)
    response = client.get(unit_url(record.division, "_xlsx"))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "danh-gia-don-vi-phong-chuyen-doi-so-2026-Q3.xlsx" in disposition
    ws = load_workbook(BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    flat = [str(v) for row in values for v in row]
    assert record.division.name in flat
    assert any("Cổng dữ liệu mở" in v for v in flat)
    assert "Trương Hoàng Nam" in flat and "Không hoàn thành nhiệm vụ" in flat
    total = next(row for row in values if "Tổng điểm" in row)
    assert total[1] == pytest.approx(59.72)


def test_the_unit_sheet_downloads_as_pdf_with_the_unit_name(client, record):
    client.force_login(record.head)  # the unit's head reads it
    response = client.get(unit_url(record.division, "_pdf"))
    assert "danh-gia-don-vi-phong-chuyen-doi-so-2026-Q3.pdf" in response["Content-Disposition"]
    text = pdf_text(response)
    assert "ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐƠN VỊ" in text
    assert record.division.name in text and "Dự thảo kế hoạch" in text
    assert "59,72" in text or "59.72" in text


def test_the_unit_sheet_queries_do_not_grow_with_its_work_or_people(
    client, record, django_assert_max_num_queries
):
    client.force_login(record.leader)
    with django_assert_max_num_queries(30) as few:
        client.get(unit_url(record.division))
    people = []
    for n in range(8):
        person = UserFactory(unit=record.team)
        people.append(person)
        give(person, due=date(2026, 8, 1 + n), done=date(2026, 8, 1 + n))
        services.save_general_points(person=person, period=PERIOD, by=record.head,
                                     points=Decimal(20))  # fmt: skip
        services.confirm_level(person=person, period=PERIOD, by=record.head, level=Level.GOOD,
                               reason="Theo kết quả")  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(unit_url(record.division)).content.decode()
    assert all(reverse("evaluation:sheet", args=[p.pk]) in page for p in people)
    assert page.count(reverse("tasks:detail", args=[0])[:-2]) >= 11  # every task links to its page
