from __future__ import annotations

from datetime import date

from django.core.management import call_command
from django.urls import reverse

from campaign import figures
from campaign.models import (
    Bottleneck,
    Campaign,
    Commitment,
    Registration,
    RegistrationState,
    Reminder,
)
from demo.loader import load_demo
from plans.models import TargetResult
from tasks.models import Task

TODAY = date(2026, 11, 22)


def test_the_demo_runs_plan_001_as_a_campaign_with_something_on_every_page(db, client):
    load_demo(today=TODAY)
    campaign = Campaign.objects.get(plan__slug="skhcn-500-ngay-dem")
    status = figures.round_status(campaign.rounds.get())
    assert (status.signed, len(status.people)) == (12, 14)  # most, not all
    assert 0 < status.units_signed < len(status.units)
    states = set(Registration.objects.values_list("state", flat=True))
    assert states == {RegistrationState.APPROVED, RegistrationState.PENDING}
    assert sorted(Bottleneck.objects.values_list("state", flat=True)) == [
        "cleared",
        "clearing",
        "escalated",
    ]
    assert [b.title[:20] for b, _day in figures.stalled_bottlenecks(today=TODAY)] == [
        "Chưa liên thông được"
    ]
    reported = TargetResult.objects.filter(target__plan=campaign.plan, evidence_link__gt="")
    assert reported.values("period_end").distinct().count() == 3
    late = figures.target_trend(campaign.late_task_target, campaign=campaign, today=TODAY)
    assert late.computed

    client.force_login(campaign.rounds.get().opened_by)
    for url in (
        reverse("campaign:hub"),
        reverse("campaign:round", args=[campaign.pk]),
        reverse("campaign:registrations", args=[campaign.pk]),
        reverse("campaign:bottlenecks", args=[campaign.pk]),
        reverse("campaign:target", args=[campaign.late_task_target_id]),
    ):
        assert client.get(url).status_code == 200, url

    counts = [M.objects.count() for M in (Commitment, Registration, Bottleneck, Task, TargetResult)]
    call_command("load_demo", "--today", TODAY.isoformat(), verbosity=0)
    assert [
        M.objects.count() for M in (Commitment, Registration, Bottleneck, Task, TargetResult)
    ] == counts
    assert not Reminder.objects.exists()
