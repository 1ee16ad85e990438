from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_speaks_vietnamese(client):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page and "Tên đăng nhập" in page and "Mật khẩu" in page
    assert 'lang="vi"' in page


def test_an_english_browser_still_gets_vietnamese(client):
    page = client.get(
        reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"}
    ).content.decode()
    assert 'lang="vi"' in page and "Mật khẩu" in page


def test_english_is_available(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page and "Password" in page


def test_a_wrong_password_gets_a_clear_message(client):
    UserFactory(username="tp.cds")
    page = client.post(reverse("login"), {"username": "tp.cds", "password": "sai"}).content.decode()
    assert "không đúng" in page


def test_logging_in_lands_on_the_users_own_page_and_logging_out_returns_to_login(client):
    UserFactory(username="cv.cds", role=Role.STAFF)
    response = client.post(reverse("login"), {"username": "cv.cds", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tasks:mine")
    assert "Đăng xuất" in response.content.decode()
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert client.get(reverse("tasks:list")).status_code == 302


def test_logout_by_get_is_not_allowed(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405


def test_the_health_check_answers_without_login(client):
    assert client.get("/healthz").content == b"ok"


def test_pages_carry_a_content_security_policy_and_a_permissions_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    page = response.content.decode()
    assert "<script>" not in page and "onchange=" not in page
    assert '"includeIndicatorStyles": false' in page and "favicon.svg" in page
