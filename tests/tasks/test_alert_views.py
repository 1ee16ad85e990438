"""The warnings page: list, mark read, acknowledge (plain POST and htmx), preferences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.early_warnings import create_alerts
from tasks.models import AlertState, Channel, Notification, NotificationPreference
from tasks.punctuality import Status, local_today
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notification():
    assignee = UserFactory(email="cv@so.gov.vn")
    TaskFactory(
        content="Triển khai trợ lý ảo",
        due_date=local_today() - timedelta(days=3),
        status=Status.IN_PROGRESS,
        percent=50,
        assignee=assignee,
    )
    create_alerts(now=timezone.now())
    return Notification.objects.get(recipient=assignee, channel=Channel.IN_APP)


def test_the_list_shows_my_warnings_and_the_badge_counts_them(client, notification):
    client.force_login(notification.recipient)
    page = client.get(reverse("alerts:list")).content.decode()
    assert "Quá hạn 3 ngày" in page and "Triển khai trợ lý ảo" in page
    assert 'class="notification-badge">Cảnh báo <mark' in page


def test_the_list_costs_a_fixed_number_of_queries(
    client, notification, django_assert_max_num_queries
):
    client.force_login(notification.recipient)
    with django_assert_max_num_queries(8):
        client.get(reverse("alerts:list"))


def test_marking_read_by_a_plain_post_redirects_to_the_list(client, notification):
    client.force_login(notification.recipient)
    response = client.post(reverse("alerts:read", args=[notification.pk]))
    assert response.status_code == 302 and response.url == reverse("alerts:list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_acknowledging_with_htmx_returns_the_row(client, notification):
    client.force_login(notification.recipient)
    response = client.post(
        reverse("alerts:acknowledge", args=[notification.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<article")
    assert "Đã tiếp nhận" in html and "Tiếp nhận</button>" not in html
    notification.alert.refresh_from_db()
    assert notification.alert.state == AlertState.ACKNOWLEDGED


def test_someone_elses_warning_is_not_found(client, notification):
    client.force_login(UserFactory())
    assert client.post(reverse("alerts:read", args=[notification.pk])).status_code == 404
    assert client.post(reverse("alerts:acknowledge", args=[notification.pk])).status_code == 404


def test_actions_need_a_post_and_a_login(client, notification):
    client.force_login(notification.recipient)
    assert client.get(reverse("alerts:read", args=[notification.pk])).status_code == 405
    client.logout()
    response = client.post(reverse("alerts:read", args=[notification.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_a_user_switches_email_off(client, notification):
    client.force_login(notification.recipient)
    assert client.get(reverse("alerts:preferences")).status_code == 200
    response = client.post(reverse("alerts:preferences"), {"digest": "on", "webhook_url": ""})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=notification.recipient)
    assert (preference.email, preference.digest) == (False, True)


def badge(client) -> str:
    page = client.get(reverse("tasks:list")).content.decode()
    start = page.index('class="notification-badge"')
    return page[start : page.index("</a>", start)]


def test_the_kept_badge_follows_reading_new_warnings_and_resolution(client, notification):
    from tasks.services import record_progress

    person = notification.recipient
    client.force_login(person)
    assert ">1</mark>" in badge(client)
    assert ">1</mark>" in badge(client)  # kept: the same
    client.post(reverse("alerts:read_all"))
    assert "<mark" not in badge(client)
    later = TaskFactory(
        content="Báo cáo quý",
        due_date=local_today() - timedelta(days=5),
        status=Status.IN_PROGRESS,
        assignee=person,
    )
    create_alerts(now=timezone.now())
    assert ">1</mark>" in badge(client)
    record_progress(task=later, by=person, percent=100, status=Status.DONE, delay_reason="Trễ")
    assert "<mark" not in badge(client)  # its warning is resolved
