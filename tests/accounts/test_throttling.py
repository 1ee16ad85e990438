"""Login throttling: per account and per address, on the portal's page and the admin's."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.throttling import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def fail(client, username, *, address="198.51.100.7", url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": "sai-mat-khau"},
        REMOTE_ADDR=address,
    )


def test_an_account_is_locked_after_too_many_wrong_passwords_even_the_right_one(
    client, limit, caplog
):
    UserFactory(username="tp.cds")
    for _ in range(limit - 1):
        assert fail(client, "tp.cds").status_code == 200
    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        response = fail(client, "tp.cds")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Tạm khóa đăng nhập" in page and "Xin thử lại sau 15 phút" in page
    assert 'class="site-header"' in page  # the portal's layout
    [line] = [r.getMessage() for r in caplog.records if r.name == "accounts.throttling"]
    assert "Tạm khóa đăng nhập sau 3 lần sai" in line and "tp.cds" in line
    # The right password from another address is refused too: the account is locked.
    response = client.post(
        reverse("login"), {"username": "tp.cds", "password": "pw"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_an_address_trying_many_accounts_is_locked(client, limit):
    UserFactory(username="cv.cds")
    for n in range(limit):
        fail(client, f"ai-do-{n}")
    response = client.post(
        reverse("login"), {"username": "cv.cds", "password": "pw"}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429
    # Someone else, elsewhere, logs in as usual.
    response = client.post(
        reverse("login"), {"username": "cv.cds", "password": "pw"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302


def test_the_admin_login_is_throttled_too(client, limit):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _ in range(limit - 1):
        assert fail(client, "admin", url=url).status_code == 200
    assert fail(client, "admin", url=url).status_code == 429
    response = client.post(url, {"username": "admin", "password": "pw"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429


def test_people_who_log_in_normally_are_never_locked(client, settings):
    UserFactory(username="cv.cds")
    for _ in range(settings.AXES_FAILURE_LIMIT + 5):
        response = client.post(reverse("login"), {"username": "cv.cds", "password": "pw"})
        assert response.status_code == 302
        client.post(reverse("logout"))


def test_forwarded_for_is_ignored_without_a_proxy_and_read_from_the_right_behind_one(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"  # the client cannot forge the last entry
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(garbage) == "10.0.0.2"
