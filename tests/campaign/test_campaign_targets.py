from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign import figures, services
from plans.deadlines import DeadlineKind
from plans.models import Comparator, Target, TargetResult
from tasks.models import Occurrence
from tasks.punctuality import Status
from tests.campaign.conftest import HTMX
from tests.factories import TaskFactory, UnitFactory

DONE, OPEN = Status.DONE, Status.IN_PROGRESS


def task(unit, due, *, completed=None, status=None, **extra):
    return TaskFactory(
        lead_unit=unit,
        due_date=due,
        completed_on=completed,
        status=status or (DONE if completed else OPEN),
        **extra,
    )


def test_the_late_task_reduction_compares_equal_windows_before_and_after_the_start(world):
    a = world.unit_a
    # Before the campaign (started 01/06/2026; 91 days as of 30/08 → 02/03–31/05/2026).
    task(a, date(2026, 3, 10), completed=date(2026, 3, 20))  # late
    task(a, date(2026, 4, 10), completed=date(2026, 4, 11))  # late
    task(a, date(2026, 5, 10))  # still not done: late
    task(a, date(2026, 5, 30), completed=date(2026, 6, 15))  # finished after the start: late
    task(a, date(2026, 5, 20), completed=date(2026, 5, 20))  # on time
    task(a, date(2026, 5, 21), status=Status.CANCELLED)  # cancelled: not counted
    task(a, date(2026, 3, 1), completed=date(2026, 3, 9))  # before the window
    task(UnitFactory(name="Sở khác 2"), date(2026, 4, 1))  # another body's task
    periodic = task(a, date(2026, 12, 31), deadline_kind=DeadlineKind.RECURRING)
    Occurrence.objects.create(
        task=periodic, label="Tháng 4", period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30), due_date=date(2026, 4, 30),
        status=DONE, completed_on=date(2026, 5, 10),
    )  # fmt: skip
    # Since the campaign.
    task(a, date(2026, 7, 1), completed=date(2026, 7, 3))  # late
    task(a, date(2026, 8, 29))  # overdue on 30/08: late
    task(a, date(2026, 8, 30))  # due today, not late yet
    task(a, date(2026, 8, 1), completed=date(2026, 7, 20))  # early

    result = figures.late_task_reduction(world.campaign, as_of=date(2026, 8, 30))

    assert (result.baseline_start, result.baseline_end) == (date(2026, 3, 2), date(2026, 5, 31))
    assert (result.current_start, result.current_end) == (date(2026, 6, 1), date(2026, 8, 30))
    assert (result.baseline, result.current) == (5, 2)
    assert result.percent == Decimal("60.00")


def test_no_late_task_before_the_campaign_gives_no_reduction(world):
    result = figures.late_task_reduction(world.campaign, as_of=date(2026, 8, 30))
    assert result.percent is None


@pytest.fixture
def target(world):
    return Target.objects.create(
        plan=world.campaign.plan,
        name="Tỷ lệ họp trực tuyến",
        comparator=Comparator.AT_LEAST,
        target_value=Decimal(60),
        baseline_value=Decimal(40),
        responsible_unit=world.unit_a,
    )


def report(target, world, day, value, **extra):
    return services.report_target(
        target=target, unit=world.unit_a, by=world.head_a, period_end=day,
        value=Decimal(value), evidence_link="https://vb.example/1", today=date(2026, 12, 31),
        **extra,
    )  # fmt: skip


def test_a_target_behind_its_path_is_flagged(world, target):
    # The path: 40 on 01/06/2026 to 60 on 30/09/2027 (486 days); on 30/09/2026, 40 + 20*121/486.
    report(target, world, date(2026, 9, 30), "44")
    trend = figures.target_trend(target, campaign=world.campaign, today=date(2026, 10, 1))
    assert trend.latest.expected == Decimal("44.98")
    assert trend.behind and not trend.met
    report(target, world, date(2026, 12, 31), "52")
    trend = figures.target_trend(target, campaign=world.campaign, today=date(2027, 1, 1))
    assert not trend.behind
    assert trend.chart["line"].count(",") == 2


def test_a_reduction_is_entered_as_the_measured_figure_against_the_baseline(world):
    conferences = Target.objects.create(
        plan=world.campaign.plan, name="Giảm hội nghị", comparator=Comparator.REDUCE_BY,
        target_value=Decimal(10), baseline_value=Decimal(50), responsible_unit=world.unit_a,
    )  # fmt: skip
    result, _ = services.report_target(
        target=conferences, unit=world.unit_a, by=world.head_a, period_end=date(2026, 12, 14),
        measured=Decimal(44), evidence_link="https://vb.example/2", today=date(2026, 12, 20),
    )  # fmt: skip
    assert result.value == Decimal("12.00") and result.measured == Decimal(44)
    assert conferences.is_met(result.value)


def test_the_same_figure_twice_is_kept_once_another_is_refused(world, target):
    _first, created = report(target, world, date(2026, 9, 30), "50")
    _again, created_again = report(target, world, date(2026, 9, 30), "50")
    assert created and not created_again
    with pytest.raises(ValidationError):
        report(target, world, date(2026, 9, 30), "51")
    with pytest.raises(ValidationError):
        report(target, world, date(2027, 1, 5), "51")  # after today
    with pytest.raises(ValidationError):
        services.report_target(
            target=target,
            unit=world.unit_a,
            by=world.head_a,
            period_end=date(2026, 10, 31),
            value=Decimal(50),
            today=date(2026, 12, 31),
        )  # fmt: skip  — no evidence
    assert TargetResult.objects.count() == 1


# --- views -----------------------------------------------------------------------------------


def test_the_responsible_unit_enters_a_figure_both_ways(client, world, target, frozen_clock, today):
    client.force_login(world.head_a)
    url = reverse("campaign:target", args=[target.pk])
    data = {"period_end": "2026-09-30", "value": "50", "evidence_link": "https://vb.example/q3"}
    assert client.post(url, data).status_code == 302
    upload = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        url, {"period_end": today.isoformat(), "value": "55", "evidence_file": upload}, headers=HTMX
    )
    page = response.content.decode()
    assert 'id="target-figures"' in page and "<html" not in page and "<svg" in page
    assert list(TargetResult.objects.order_by("period_end").values_list("value", flat=True)) == [
        Decimal(50),
        Decimal(55),
    ]
    result = TargetResult.objects.exclude(evidence_file="").get()
    download = client.get(reverse("campaign:evidence", args=[result.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    client.logout()
    assert client.get(reverse("campaign:evidence", args=[result.pk])).status_code == 302


def test_an_executable_as_evidence_is_refused(client, world, target, frozen_clock):
    client.force_login(world.head_a)
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        reverse("campaign:target", args=[target.pk]),
        {"period_end": "2026-09-30", "value": "50", "evidence_file": upload},
        headers=HTMX,
    )
    assert "Không nhận tệp “virus.exe”" in response.content.decode()
    page = SimpleUploadedFile("bao-cao.pdf", b"<html><script>", content_type="application/pdf")
    response = client.post(
        reverse("campaign:target", args=[target.pk]),
        {"period_end": "2026-09-30", "value": "50", "evidence_file": page},
        headers=HTMX,
    )
    assert "không đúng loại .pdf" in response.content.decode()
    assert not TargetResult.objects.exists()


def test_others_may_not_enter_figures_nor_type_the_computed_one(client, world, target):
    client.force_login(world.head_b)
    url = reverse("campaign:target", args=[target.pk])
    data = {"period_end": "2026-09-30", "value": "50", "evidence_link": "https://vb.example/x"}
    assert client.post(url, data).status_code == 403
    world.campaign.late_task_target = target
    world.campaign.save()
    client.force_login(world.head_a)
    assert client.post(url, data).status_code == 403
    assert "Cổng tự tính từ dữ liệu nhiệm vụ" in client.get(url).content.decode()


def test_the_target_page_runs_a_fixed_number_of_queries(
    client, world, target, django_assert_max_num_queries
):
    for month in range(1, 9):
        report(target, world, date(2026, month, 28), str(40 + month))
    client.force_login(world.staff_a)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("campaign:target", args=[target.pk])).content.decode()
    assert page.count("<circle") == 8


def test_the_hub_shows_the_targets_and_runs_few_queries(
    client, world, target, django_assert_max_num_queries
):
    report(target, world, date(2026, 9, 30), "44")
    client.force_login(world.office)
    with django_assert_max_num_queries(22):
        page = client.get(reverse("campaign:hub")).content.decode()
    assert "Chậm so với lộ trình" in page and 'data-figure="commitment-rate"' in page


def test_the_chart_coordinates_are_not_written_with_a_decimal_comma(client, world, target):
    report(target, world, date(2026, 9, 30), "44.5")
    report(target, world, date(2026, 12, 31), "52")
    client.force_login(world.staff_a)
    page = client.get(reverse("campaign:target", args=[target.pk])).content.decode()
    lines = re.findall(r'<polyline points="([^"]*)"', page)
    assert len(lines) == 2
    for points in lines:
        assert re.fullmatch(r"-?[\d.]+,-?[\d.]+( -?[\d.]+,-?[\d.]+)*", points), points
    positions = re.findall(r' (?:cx|cy|x|y|x1|x2|y1|y2)="([^"]*)"', page)
    assert len(positions) > 20
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", p) for p in positions), positions
    assert "44,50%" in page  # the figures themselves are written the Vietnamese way


def test_without_a_baseline_the_path_starts_from_the_first_figure(world, target):
    target.baseline_value = None
    target.save()
    report(target, world, date(2026, 9, 30), "44")
    trend = figures.target_trend(target, campaign=world.campaign, today=date(2026, 10, 1))
    assert trend.start == date(2026, 9, 30) and trend.latest.expected == Decimal(44)
    assert not trend.behind


def at(day):
    return datetime.combine(day, time(9), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_the_signing_target_is_computed_from_the_commitments_not_typed(world, client):
    target = Target.objects.create(
        plan=world.campaign.plan, name="CBCCVC ký cam kết", comparator=Comparator.AT_LEAST,
        target_value=Decimal(100), responsible_unit=world.unit_a,
    )
    world.campaign.commitment_target = target
    world.campaign.save()
    expected = figures.expected_signers(world.campaign).count()
    for person, day in ((world.staff_a, 3), (world.staff_b, 5), (world.head_a, 20)):
        services.sign_commitment(round=world.round, by=person, at=at(date(2026, 6, day)))

    trend = figures.target_trend(target, campaign=world.campaign, today=date(2026, 7, 1))

    assert trend.computed
    assert [(p.day, p.value) for p in trend.points] == [
        (date(2026, 6, 5), round(Decimal(200) / expected, 2)),  # two had signed by the due date
        (date(2026, 7, 1), round(Decimal(300) / expected, 2)),
    ]
    client.force_login(world.head_a)
    page = client.get(reverse("campaign:target", args=[target.pk])).content.decode()
    assert 'name="period_end"' not in page  # nobody types it in
