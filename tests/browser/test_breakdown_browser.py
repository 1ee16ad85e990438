"""A unit head breaks a task down in the browser, then lets its progress follow the parts."""

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
def task():
    unit = UnitFactory(name="Phòng Chuyển đổi số", short_name="P. CĐS")
    UserFactory(username="tp", role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")
    UserFactory(username="cv", role=Role.STAFF, unit=unit, full_name="Ngô Kim Ngân")
    return TaskFactory(
        content="Xây dựng Trợ lý ảo", lead_unit=unit, due_date=local_today() + timedelta(20)
    )


def test_a_unit_head_breaks_a_task_down_and_lets_its_progress_follow(page: Page, live_server, task):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tp")
    page.get_by_label("Mật khẩu").fill("pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/nhiem-vu/{task.pk}/")
    page.get_by_role("button", name="Chia nhỏ nhiệm vụ").click()
    first = page.locator("fieldset").first
    first.get_by_label("Nội dung công việc").fill("Khảo sát nhu cầu")
    first.get_by_label("Người thực hiện").select_option(label="Ngô Kim Ngân")
    later = (task.due_date + timedelta(5)).isoformat()
    first.get_by_label("Hạn hoàn thành").fill(later)
    page.get_by_role("button", name="Lưu các nhiệm vụ con").click()
    expect(page.get_by_text("Hạn muộn hơn hạn của nhiệm vụ cha (")).to_be_visible()
    first = page.locator("fieldset").first
    first.get_by_label("Hạn muộn hơn hạn nhiệm vụ cha").check()
    first.get_by_label("Lý do hạn muộn hơn").fill("Chờ kết quả khảo sát của Thành phố")
    page.get_by_role("button", name="Lưu các nhiệm vụ con").click()
    expect(page.get_by_text("Đã thêm 1 nhiệm vụ con.")).to_be_visible()
    section = page.locator("#subtasks")
    expect(section).to_contain_text("Ngô Kim Ngân")
    expect(section).to_contain_text("muộn hơn hạn nhiệm vụ cha")
    section.get_by_role("button", name="Tính tiến độ từ các nhiệm vụ con").click()
    expect(
        page.get_by_text("Tiến độ của nhiệm vụ này được tính từ các nhiệm vụ con.")
    ).to_be_visible()
    assert Task.objects.get(pk=task.pk).progress_from_children
    assert task.children.get().later_than_parent_reason == "Chờ kết quả khảo sát của Thành phố"
