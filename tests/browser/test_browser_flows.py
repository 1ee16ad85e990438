"""The flows people click through, in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tasks.models import Task
from tasks.punctuality import Status, local_today
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():
    today = local_today()
    unit = UnitFactory(name="Phòng Chuyển đổi số", short_name="P. CĐS")
    office_unit = UnitFactory(name="Văn phòng Sở")
    leader = UserFactory(username="pgd", role=Role.LEADERSHIP, full_name="Nguyễn Minh Quang")
    leader.units_in_charge.add(unit)
    head = UserFactory(username="tp", role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")
    staff = UserFactory(username="cv", role=Role.STAFF, unit=unit, full_name="Ngô Kim Ngân")
    office = UserFactory(username="vp", role=Role.OFFICE, unit=office_unit, full_name="Mai Anh")
    plan = PlanFactory(short_name="KH 500 ngày đêm")
    TaskFactory(
        plan=plan,
        content="Báo cáo kết quả quý III",
        lead_unit=unit,
        assignee=staff,
        due_date=today - timedelta(days=6),
        status=Status.IN_PROGRESS,
    )
    TaskFactory(
        plan=plan,
        content="Xây dựng Trợ lý ảo",
        lead_unit=unit,
        assignee=staff,
        authority_user=leader,
        due_date=today + timedelta(days=20),
        status=Status.IN_PROGRESS,
    )
    return {"leader": leader, "head": head, "staff": staff, "office": office}


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("pw")
    page.get_by_role("button", name="Đăng nhập").click()


def card(page: Page, text: str):
    return page.locator("article.task-card", has_text=text)


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("vp", "Tổng quan tiến độ nhiệm vụ"),
        ("pgd", "Trang lãnh đạo"),
        ("tp", "Phòng Chuyển đổi số"),
        ("cv", "Việc của tôi"),
    ],
)
def test_each_role_logs_in_and_lands_on_its_page(
    page: Page, live_server, people, username, heading
):
    log_in(page, live_server, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_an_inline_update_changes_the_dashboard_figures(page: Page, live_server, people, browser):
    office = browser.new_page()
    log_in(office, live_server, "vp")
    rate = office.locator("[data-figure=on-time-rate]")
    expect(rate).to_have_text("0,0%")  # one task overdue, none done

    log_in(page, live_server, "tp")
    page.get_by_role("link", name="Đang thực hiện").click()
    row = card(page, "Xây dựng Trợ lý ảo")
    row.get_by_role("button", name="Cập nhật tiến độ").click()
    form = card(page, "Xây dựng Trợ lý ảo")
    form.get_by_label("Trạng thái").select_option(label="Hoàn thành")
    form.get_by_label("Kết quả đạt được").fill("Trợ lý ảo đã vận hành thử")
    form.get_by_role("button", name="Lưu").click()
    expect(card(page, "Xây dựng Trợ lý ảo")).to_contain_text("Đã lưu tiến độ.")
    expect(card(page, "Xây dựng Trợ lý ảo")).to_contain_text("Hoàn thành trước hạn")

    office.reload()
    expect(rate).to_have_text("50,0%")


def test_a_late_update_without_a_reason_is_refused_clearly(page: Page, live_server, people):
    log_in(page, live_server, "tp")  # lands on the overdue tab
    card(page, "Báo cáo kết quả quý III").get_by_role("button", name="Cập nhật tiến độ").click()
    form = card(page, "Báo cáo kết quả quý III")
    form.get_by_label("Tiến độ (%)").fill("80")
    form.get_by_role("button", name="Lưu").click()
    error = card(page, "Báo cáo kết quả quý III").get_by_role("alert")
    expect(error).to_contain_text("Nhiệm vụ đã quá hạn ngày")
    expect(error).to_contain_text("xin nêu lý do chậm trễ")
    assert not Task.objects.get(content="Báo cáo kết quả quý III").updates.exists()

    form.get_by_label("Lý do chậm trễ").fill("Chờ số liệu của các phòng")
    form.get_by_role("button", name="Lưu").click()
    expect(card(page, "Báo cáo kết quả quý III")).to_contain_text("Đã lưu tiến độ.")


def test_a_deadline_change_approved_by_the_leader_shows_on_the_task(
    page: Page, live_server, people, browser
):
    task = Task.objects.get(content="Xây dựng Trợ lý ảo")
    old, new = task.due_date, task.due_date + timedelta(days=45)
    log_in(page, live_server, "tp")
    page.get_by_role("link", name="Đang thực hiện").click()
    card(page, "Xây dựng Trợ lý ảo").get_by_role("button", name="Xin điều chỉnh hạn").click()
    form = card(page, "Xây dựng Trợ lý ảo")
    form.get_by_label("Hạn đề nghị").fill(new.isoformat())
    form.get_by_label("Lý do").fill("Chờ hạ tầng của thành phố")
    form.get_by_role("button", name="Lưu").click()
    expect(card(page, "Xây dựng Trợ lý ảo")).to_contain_text("Đang chờ duyệt điều chỉnh hạn")

    leader = browser.new_page()
    log_in(leader, live_server, "pgd")
    request = leader.locator("article.change-card", has_text="Xây dựng Trợ lý ảo")
    request.get_by_label("Ý kiến").fill("Đồng ý gia hạn")
    request.get_by_role("button", name="Đồng ý", exact=True).click()
    expect(leader.locator("article.change-card", has_text="Xây dựng Trợ lý ảo")).to_contain_text(
        "Đã đồng ý"
    )

    page.goto(f"{live_server.url}/nhiem-vu/{task.pk}/")
    six_ro = page.locator("#six-ro")
    expect(six_ro).to_contain_text(new.strftime("%d/%m/%Y"))
    expect(six_ro).to_contain_text(f"Hạn ban đầu: {old:%d/%m/%Y}")
    expect(page.locator("#history")).to_contain_text(
        f"Hạn hoàn thành: {old:%d/%m/%Y} → {new:%d/%m/%Y}"
    )


@pytest.mark.parametrize("username", ["vp", "pgd", "tp", "cv"])
def test_every_page_of_the_menu_fits_a_phone_390_px_wide(
    page: Page, live_server, people, username
):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, username)
    menu = page.locator(".site-header nav a")
    paths = {
        href
        for href in (menu.nth(i).get_attribute("href") for i in range(menu.count()))
        if href and href.startswith("/") and not href.startswith("/quan-tri/")
    }
    task = Task.objects.get(content="Xây dựng Trợ lý ảo")
    paths |= {f"/nhiem-vu/{task.pk}/", "/nhiem-vu/lich/dong-bo/"}
    assert len(paths) >= 5
    too_wide = {}
    for path in sorted(paths):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert too_wide == {}


def test_a_comment_with_a_mention_and_two_files_is_posted_in_place(
    page: Page, live_server, people, tmp_path
):
    task = Task.objects.get(content="Xây dựng Trợ lý ảo")
    first, second = tmp_path / "Báo cáo.pdf", tmp_path / "so-do.png"
    first.write_bytes(b"%PDF-1.7\n%%EOF\n")
    second.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    log_in(page, live_server, "tp")
    page.goto(f"{live_server.url}/nhiem-vu/{task.pk}/")
    thread = page.locator("#comments")
    thread.get_by_label("Ý kiến").fill("Chị @ngo kim ngan gửi số liệu trước thứ Sáu nhé")
    thread.get_by_label("Tệp đính kèm").set_input_files([first, second])
    thread.get_by_role("button", name="Gửi ý kiến").click()
    expect(thread.get_by_text("Đã báo cho: Ngô Kim Ngân.")).to_be_visible()
    expect(thread.locator("mark.mention")).to_have_text("@ngo kim ngan")
    expect(thread.get_by_role("link", name="Báo cáo.pdf")).to_be_visible()
    expect(thread.get_by_label("Ý kiến")).to_have_value("")  # a fresh form for the next one
    expect(page.locator("#history")).to_contain_text("Ý kiến trao đổi")  # without a reload
