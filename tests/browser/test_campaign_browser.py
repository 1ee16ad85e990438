"""A staff member signs the campaign's commitment in a real browser, on a phone's width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from campaign.models import Campaign, Commitment, CommitmentRound, RegistrationKind
from campaign.services import register
from tasks.punctuality import local_today
from tests.factories import PlanFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign():
    today = local_today()
    department = UnitFactory(name="Sở Khoa học và Công nghệ")
    unit = UnitFactory(name="Phòng Chuyển đổi số", parent=department)
    staff = UserFactory(username="cv", role=Role.STAFF, unit=unit, full_name="Ngô Kim Ngân")
    office = UserFactory(role=Role.OFFICE, unit=UnitFactory(name="Văn phòng", parent=department))
    campaign = Campaign.objects.create(
        plan=PlanFactory(short_name="KH 500 ngày đêm", issuing_unit=department),
        started_on=today - timedelta(days=30),
        targets_due_on=today + timedelta(days=300),
    )
    CommitmentRound.objects.create(
        campaign=campaign,
        title="Ký cam kết giai đoạn 1",
        text="Tôi cam kết thực hiện nghiêm nguyên tắc 6 rõ.",
        opened_on=today,
        opened_by=office,
    )
    register(
        campaign=campaign,
        unit=unit,
        kind=RegistrationKind.KEY,
        by=staff,
        title="Số hóa hồ sơ lưu trữ",
        due_date=today + timedelta(days=60),
    )
    return campaign


def test_a_staff_member_signs_from_the_hub_on_a_phone(page: Page, live_server, campaign):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("cv")
    page.get_by_label("Mật khẩu").fill("pw")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Thi đua").click()
    page.get_by_role("link", name="Bạn chưa ký cam kết trách nhiệm").click()
    box = page.locator("#sign-person")
    box.get_by_label("Nhiệm vụ trọng tâm: Số hóa hồ sơ lưu trữ").check()
    box.get_by_label("Tôi đã đọc và cam kết").check()
    box.get_by_role("button", name="Ký cam kết").dblclick()
    expect(page.locator("[data-signed=person]")).to_contain_text("đã ký ngày")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    commitment = Commitment.objects.get()
    assert [r["title"] for r in commitment.registered] == ["Số hóa hồ sơ lưu trữ"]
