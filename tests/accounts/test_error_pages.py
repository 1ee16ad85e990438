"""403, 404 and 500 speak Vietnamese, in the portal's layout, with a way back; the 500 page
renders without the database."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path, reverse

from accounts.models import Role
from config.urls import urlpatterns as portal_urls
from tests.factories import UserFactory


def boom(request):
    raise RuntimeError("the database is gone")


urlpatterns = [path("hong/", boom), *portal_urls]


@pytest.mark.django_db
def test_a_missing_page_is_a_vietnamese_404_with_a_way_back(client):
    client.force_login(UserFactory(role=Role.STAFF))
    response = client.get("/nhiem-vu/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in page and 'class="site-header"' in page
    assert f'href="{reverse("home")}"' in page and "Về trang chủ" in page
    assert "Not Found" not in page


@pytest.mark.django_db
def test_a_forbidden_page_is_a_vietnamese_403_with_a_way_back(client):
    client.force_login(UserFactory(role=Role.STAFF))
    response = client.get(reverse("reporting:list"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Không có quyền truy cập" in page and "Về trang chủ" in page
    assert "403 Forbidden" not in page


@pytest.mark.urls(__name__)
def test_a_server_error_is_a_vietnamese_500_that_needs_no_database():
    # No django_db mark: any query while handling the error would fail this test.
    client = Client(raise_request_exception=False)
    response = client.get("/hong/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Lỗi hệ thống" in page and "Về trang chủ" in page and 'class="site-header"' in page
    assert "Server Error" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_vietnamese_403():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(reverse("alerts:read_all"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Phiên làm việc đã hết hạn" in page and "Về trang chủ" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_djangos_debug_pages_keep_their_inline_style_in_run_mode(client, settings):
    settings.DEBUG = True
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404 and "Content-Security-Policy" not in response
    settings.DEBUG = False
    assert "Content-Security-Policy" in client.get("/khong-co-trang-nay/")
