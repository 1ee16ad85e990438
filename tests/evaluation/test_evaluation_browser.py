"""A unit head evaluates a staff member in a real browser (Playwright, Debian's Chromium)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from evaluation import services
from evaluation.models import Evaluation, UnitEvaluation
from evaluation.scoring import Level
from tasks.punctuality import local_today
from tests.browser.conftest import browser_context_args, browser_type_launch_args  # noqa: F401
from tests.evaluation.conftest import give
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_unit_head_gives_the_general_points_and_confirms_a_changed_level(page: Page, live_server):
    unit = UnitFactory(name="Phòng Chuyển đổi số")
    UserFactory(username="tp", role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")
    staff = UserFactory(username="cv", unit=unit, full_name="Ngô Kim Ngân")
    period = services.evaluation_period(services.last_quarter(local_today()))
    due = period.end - timedelta(days=10)
    give(staff, due=due, done=due, content="Báo cáo chuyển đổi số quý")  # all 70 points

    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("tp")
    page.get_by_label("Mật khẩu").fill("pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Đánh giá", exact=True).click()
    page.get_by_role("link", name="Ngô Kim Ngân").click()
    expect(page.locator("main")).to_contain_text("Báo cáo chuyển đổi số quý")

    page.get_by_label("Điểm tiêu chí chung").fill("25")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator("main")).to_contain_text("Đã lưu điểm tiêu chí chung.")
    expect(page.locator("main")).to_contain_text("95,00")  # 70 + 25: "xuất sắc" proposed

    page.get_by_label("Mức xếp loại").select_option(Level.GOOD.value)
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("main")).to_contain_text("xin nêu lý do thay đổi")
    page.get_by_label("Mức xếp loại").select_option(Level.GOOD.value)
    page.get_by_label("Lý do (khi khác mức đề xuất)").fill("Giữ tỷ lệ xuất sắc trong đơn vị")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("main")).to_contain_text("Đã xác nhận mức xếp loại.")
    evaluation = Evaluation.objects.get(person=staff)
    assert evaluation.confirmed_level == Level.GOOD
    assert evaluation.change_reason == "Giữ tỷ lệ xuất sắc trong đơn vị"


def test_a_leader_confirms_the_level_of_a_unit_in_their_charge(page: Page, live_server):
    unit = UnitFactory(name="Phòng Chuyển đổi số")
    leader = UserFactory(username="pgd", role=Role.LEADERSHIP, full_name="Nguyễn Minh Quang")
    leader.units_in_charge.add(unit)
    staff = UserFactory(username="cv", unit=unit, full_name="Ngô Kim Ngân")
    period = services.evaluation_period(services.last_quarter(local_today()))
    due = period.end - timedelta(days=10)
    give(staff, due=due, done=due, content="Báo cáo chuyển đổi số quý")  # 70 of 70 points

    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("pgd")
    page.get_by_label("Mật khẩu").fill("pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Đánh giá", exact=True).click()
    page.get_by_role("link", name="Đơn vị", exact=True).click()
    page.get_by_role("link", name="Phòng Chuyển đổi số").click()
    main = page.locator("main")
    expect(main).to_contain_text("Báo cáo chuyển đổi số quý")
    expect(main).to_contain_text("Hoàn thành xuất sắc nhiệm vụ")  # no one rated yet: 70/70 → 100
    page.get_by_label("Mức xếp loại").select_option(Level.EXCELLENT.value)
    page.get_by_role("button", name="Xác nhận").click()
    expect(main).to_contain_text("Đã xác nhận mức xếp loại của đơn vị.")
    page.screenshot(path="/tmp/uniteval_unit_sheet.png", full_page=True)
    evaluation = UnitEvaluation.objects.get(unit=unit)
    assert (evaluation.confirmed_level, evaluation.confirmed_by) == (Level.EXCELLENT, leader)
