"""A unit head works through the task list on a phone: sorts, ticks, assigns, exports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tasks.models import Task
from tasks.punctuality import local_today
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def head():
    today = local_today()
    unit = UnitFactory(name="Phòng Chuyển đổi số", short_name="P. CĐS")
    head = UserFactory(username="tp", role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")
    UserFactory(username="cv", role=Role.STAFF, unit=unit, full_name="Ngô Kim Ngân")
    TaskFactory(content="Xây dựng Trợ lý ảo", lead_unit=unit, due_date=today + timedelta(20))
    TaskFactory(content="Báo cáo quý III", lead_unit=unit, due_date=today - timedelta(6))
    return head


def test_a_unit_head_sorts_assigns_and_exports_on_a_phone(page: Page, live_server, head):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tp")
    page.get_by_label("Mật khẩu").fill("pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/nhiem-vu/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(".sort-bar").get_by_role("link", name="Hạn").click()
    expect(page).to_have_url(f"{live_server.url}/nhiem-vu/?sort=han")
    expect(page.locator("table.tasks tbody tr").first).to_contain_text("Báo cáo quý III")
    for checkbox in page.locator("input[name=tasks]").all():
        checkbox.check()
    page.get_by_label("Thao tác").select_option(label="Giao cho một người")
    page.get_by_label("Giao cho", exact=True).select_option(label="Ngô Kim Ngân")
    page.get_by_role("button", name="Thực hiện").click()
    expect(page.get_by_text("Đã giao 2 nhiệm vụ cho Ngô Kim Ngân.")).to_be_visible()
    assert set(Task.objects.values_list("assignee__username", flat=True)) == {"cv"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất Excel").click()
    assert download.value.suggested_filename.startswith("Danh sách nhiệm vụ")
    assert download.value.suggested_filename.endswith(".xlsx")
