"""A custom report range stays within sane dates: a typo never reaches the report job."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting.models import Report
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.mark.parametrize(
    ("start", "end"),
    [("01/01/0001", "31/12/2026"), ("01/01/2026", "31/12/9999"), ("31/12/1999", "01/01/2026")],
)
def test_a_custom_range_out_of_the_sane_range_is_refused(client, start, end):
    client.force_login(UserFactory(role=Role.OFFICE))
    with mock.patch("reporting.jobs.generate_report.delay") as delay:
        response = client.post(
            reverse("reporting:new"),
            {
                "period": "custom",
                "cutoff": "0",
                "scope": "organisation",
                "start": start,
                "end": end,
            },
        )
    assert response.status_code == 200
    assert "Ngày phải trong khoảng từ 01/01/2000 đến 31/12/2100." in response.content.decode()
    assert not Report.objects.exists() and not delay.called


def test_a_custom_range_within_it_is_accepted(client):
    client.force_login(UserFactory(role=Role.OFFICE))
    with mock.patch("reporting.jobs.generate_report.delay"):
        response = client.post(
            reverse("reporting:new"),
            {
                "period": "custom",
                "cutoff": "0",
                "scope": "organisation",
                "start": "01/01/2000",
                "end": "31/12/2100",
            },
        )
    assert response.status_code == 302 and Report.objects.count() == 1
