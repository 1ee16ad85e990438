"""The emulation ranking: units and persons from a record whose figures are known by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from campaign import ranking, services
from campaign.models import RegistrationKind
from plans.models import Comparator, Phase, Target, TargetResult
from tasks.models import Task
from tasks.punctuality import Status
from tests.factories import TaskFactory

pytestmark = pytest.mark.usefixtures("frozen_clock")  # today: 22/11/2026
SPAN = ranking.Span("Thử", date(2026, 6, 1), date(2026, 11, 22))
AT = datetime(2026, 7, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def task(unit, due, *, completed=None, person=None):
    return TaskFactory(
        lead_unit=unit,
        assignee=person,
        due_date=due,
        completed_on=completed,
        status=Status.DONE if completed else Status.IN_PROGRESS,
    )


@pytest.fixture
def record(world):
    """Phòng A: 3 of 4 due tasks on time (staff_a 3 on time, staff_a2 one overdue), its one
    target met, one of two registrations done, its one bottleneck still open.
    Phòng B: 1 of 2 on time, nothing else to measure."""
    a, b = world.unit_a, world.unit_b
    for day in (10, 11, 12):
        task(a, date(2026, 7, day), completed=date(2026, 7, day - 1), person=world.staff_a)
    task(a, date(2026, 8, 1), person=world.staff_a2)  # overdue on 22/11
    task(a, date(2027, 1, 1))  # not yet due: outside the span
    task(b, date(2026, 9, 1), completed=date(2026, 9, 1), person=world.staff_b)
    task(b, date(2026, 9, 2), completed=date(2026, 9, 20), person=world.staff_b)  # late
    target = Target.objects.create(
        plan=world.campaign.plan, name="Hồ sơ trực tuyến", comparator=Comparator.AT_LEAST,
        target_value=Decimal(95), responsible_unit=a,
    )
    TargetResult.objects.create(target=target, unit=a, period_end=date(2026, 9, 30), value=96)
    done = task(a, date(2026, 10, 1), completed=date(2026, 9, 30))
    for registered in (done, task(a, date(2027, 2, 1))):
        registration = services.register(
            campaign=world.campaign, unit=a, kind=RegistrationKind.KEY, by=world.head_a,
            task=registered, at=AT,
        )
        services.decide_registration(registration=registration, by=world.leader_a, approve=True)
    services.record_bottleneck(
        campaign=world.campaign, unit=a, title="Phần mềm chưa liên thông", cause="Chưa có API",
        responsible=world.head_a, by=world.head_a, at=AT,
    )
    return world


def test_each_units_score_is_the_weighted_mean_of_what_it_can_be_measured_on(record):
    result = ranking.rank(record.campaign, span=SPAN)
    rows = {row.unit.name: row for row in result.units}

    a = rows["Phòng A"]
    # On time: 4 of 5 due in the span (the registered task done early counts too).
    assert [(k, s.part, s.whole) for k, s in a.shares.items()] == [
        ("on_time", 4, 5), ("targets", 1, 1), ("registrations", 1, 1), ("bottlenecks", 0, 1),
    ]  # the second registration is due in 2027: not yet counted
    assert a.score == (50 * 80 + 20 * 100 + 20 * 100 + 10 * 0) / 100  # 80.0
    b = rows["Phòng B"]
    assert b.score == 50.0  # only its on-time rate (1 of 2) can be measured
    assert rows["Văn phòng Sở"].score is None  # nothing due: not ranked, not punished
    assert [(row.unit.name, row.rank) for row in result.units[:2]] == [
        ("Phòng A", 1), ("Phòng B", 2),
    ]


def test_the_weights_office_sets_change_the_score(record):
    campaign = record.campaign
    campaign.weight_on_time, campaign.weight_bottlenecks = 10, 90
    campaign.save()

    result = ranking.rank(campaign, span=SPAN)

    a, b = result.units[1], result.units[0]
    assert (a.unit, a.score) == (campaign.plan.issuing_unit.children.get(name="Phòng A"),
                                 round((10 * 80 + 20 * 100 + 20 * 100 + 90 * 0) / 140, 1))
    assert (b.score, b.rank, a.rank) == (50.0, 1, 2)  # the open bottleneck now weighs most


def test_persons_are_ranked_in_their_unit_and_listed_for_award_or_accountability(record):
    campaign = record.campaign
    campaign.accountability_threshold = 60
    campaign.save()
    result = ranking.rank(campaign, span=SPAN)

    people_a = result.people[record.unit_a.pk]
    assert [(p.person, p.rank, p.score) for p in people_a if p.score is not None] == [
        (record.staff_a, 1, 100.0), (record.staff_a2, 2, 0.0),
    ]
    # Three judged tasks at 100%: proposed for an award; one overdue task is too few to judge.
    assert [p.person for p in result.people_for_award] == [record.staff_a]
    assert result.people_for_accountability == []
    assert [u.unit for u in result.units_for_award] == []
    assert [u.unit for u in result.units_for_accountability] == [record.unit_b]


def test_a_persons_share_of_a_broken_down_task_counts_as_their_work_and_the_unit_counts_once(
    record,
):
    parent = Task.objects.get(assignee=record.staff_a2, due_date=date(2026, 8, 1))  # overdue
    before = ranking.rank(record.campaign, span=SPAN)

    def part(person, due, completed):
        return TaskFactory(
            plan=parent.plan, parent=parent, is_breakdown=True, lead_unit=record.unit_a,
            assignee=person, due_date=due, completed_on=completed, status=Status.DONE,
        )

    part(record.staff_a2, date(2026, 7, 25), date(2026, 7, 24))  # their part, on time
    part(record.staff_a, date(2026, 7, 20), date(2026, 7, 25))  # a part done late
    result = ranking.rank(record.campaign, span=SPAN)

    scores = {p.person: p.score for p in result.people[record.unit_a.pk]}
    # staff_a2 is judged on the part they hold, not on the overdue task it was split from;
    # staff_a: three on time and the late part.
    assert scores[record.staff_a2] == 100.0
    assert scores[record.staff_a] == 75.0
    def on_time_of_unit_a(result):
        return next(u for u in result.units if u.unit == record.unit_a).shares["on_time"]

    assert on_time_of_unit_a(result) == on_time_of_unit_a(before)


def test_a_phase_ranks_only_what_fell_due_in_it(record):
    Phase.objects.create(
        plan=record.campaign.plan, order=1, name="Giai đoạn 1", start=date(2026, 6, 1),
        end=date(2026, 7, 31),
    )
    spans = dict(ranking.spans(record.campaign, today=date(2026, 11, 22)))
    assert (spans["1"].start, spans["1"].end) == (date(2026, 6, 1), date(2026, 7, 31))

    result = ranking.rank(record.campaign, span=spans["1"])

    a = next(row for row in result.units if row.unit == record.unit_a)
    assert (a.shares["on_time"].part, a.shares["on_time"].whole) == (3, 3)


def test_the_page_shows_units_to_all_and_persons_to_those_in_charge(client, record):
    url = reverse("campaign:ranking", args=[record.campaign.pk])
    client.force_login(record.staff_b)
    page = client.get(url).content.decode()
    assert "Phòng A" in page and "Xếp hạng cá nhân" not in page
    assert "Trọng số, ngưỡng" not in page

    client.force_login(record.head_a)
    page = client.get(url).content.decode()
    assert record.staff_a.full_name in page and record.staff_b.full_name not in page
    assert client.post(url, {"weight_on_time": 1}).status_code == 403


def test_office_sets_the_weights_and_a_bad_set_is_refused(client, record):
    url = reverse("campaign:ranking", args=[record.campaign.pk])
    client.force_login(record.office)
    weights = {
        "weight_on_time": 40, "weight_targets": 30, "weight_registrations": 20,
        "weight_bottlenecks": 10, "award_threshold": 85, "accountability_threshold": 50,
    }
    assert client.post(url, weights).status_code == 302
    record.campaign.refresh_from_db()
    assert record.campaign.weight_targets == 30

    page = client.post(url, {**weights, "accountability_threshold": 90}).content.decode()
    assert "phải thấp hơn điểm đề nghị khen thưởng" in page
    record.campaign.refresh_from_db()
    assert record.campaign.accountability_threshold == 50


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, record, django_assert_max_num_queries
):
    client.force_login(record.office)
    for day in range(1, 25):
        task(record.unit_b, date(2026, 10, day), completed=date(2026, 10, day))
    with django_assert_max_num_queries(25):
        assert client.get(reverse("campaign:ranking", args=[record.campaign.pk])).status_code == 200


def test_the_review_report_prints_the_ranking_and_both_lists(client, record):
    pdftotext = pytest.importorskip("shutil").which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    import subprocess

    client.force_login(record.leader_a)
    response = client.get(reverse("campaign:ranking", args=[record.campaign.pk]), {"tai": "pdf"})

    assert response["Content-Type"] == "application/pdf"
    assert "bao-cao-so-ket-phong-trao" in response["Content-Disposition"]
    text = subprocess.run(
        [pdftotext, "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Sơ kết phong trào đến ngày 22/11/2026" in text
    assert "Xếp hạng thi đua các đơn vị".upper() in text.upper()
    assert "Phòng A" in text and "80,0" in text  # Vietnamese decimal comma
    assert record.staff_a.full_name in text  # proposed for an award


def test_a_refused_weight_is_said_and_the_ranking_keeps_the_stored_ones(client, record):
    url = reverse("campaign:ranking", args=[record.campaign.pk])
    client.force_login(record.office)
    weights = {
        "weight_on_time": "9" * 400, "weight_targets": 20, "weight_registrations": 20,
        "weight_bottlenecks": 10, "award_threshold": 90, "accountability_threshold": 50,
    }

    response = client.post(url, weights)

    page = response.content.decode()
    assert response.status_code == 200 and 'class="error" role="alert"' in page
    assert "80,0" in page  # Phòng A, ranked with the stored weights
    record.campaign.refresh_from_db()
    assert record.campaign.weight_on_time == 50
