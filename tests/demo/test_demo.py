"""The demo data is the real plans, imported through the importer: it must match the documents."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from demo.loader import load_demo
from plans.models import Plan, Unit
from tasks.models import DeadlineChange, ProgressUpdate, Task
from tasks.punctuality import Punctuality

TODAY = date(2026, 11, 22)
VP, CDS, TT = "Văn phòng Sở", "Phòng Chuyển đổi số", "Trung tâm Khoa học và Công nghệ"
ALL = "*"  # a row for every unit: fanned out

# Plan of Sở KH&CN (seed 000): STT → (lead, product, kind, understood due)
PLAN_000 = {
    "1": (CDS, "Kế hoạch", "month", date(2026, 6, 30)),
    "2": (VP, "Kế hoạch được phê duyệt", "quarter", date(2026, 12, 31)),
    "3": (ALL, "Báo cáo", "recurring", date(2026, 12, 31)),
    "4": (VP, "Báo cáo thanh tra, kiểm tra", "continuous", None),
    "5": (ALL, "Lịch họp, báo cáo kết quả", "recurring", date(2026, 12, 31)),
    "6": (CDS, "Hệ thống kết nối thông suốt", "range", date(2027, 12, 31)),
    "7": (
        VP,
        "Quy chế làm việc, phối hợp được điều chỉnh, hoàn thiện",
        "quarter",
        date(2026, 9, 30),
    ),
    "8": (VP, "Biên bản, báo cáo", "quarter", date(2026, 9, 30)),
    "9": (TT, "Tin bài, chuyên mục", "continuous", None),
    "10": (VP, "Số lượng văn bản giảm, báo cáo", "recurring", date(2026, 12, 31)),
    "11": (VP, "Tỷ lệ hồ sơ trực tuyến ≥ 95%", "date", date(2026, 12, 31)),
    "12": (CDS, "Ứng dụng trợ lý ảo", "quarter", date(2026, 12, 31)),
    "13": (VP, "Kế hoạch", "quarter", date(2026, 12, 31)),
    "14": (CDS, "Lớp tập huấn, 100% CCVC được đào tạo", "recurring", date(2026, 12, 31)),
    "15": (VP, "Quy chế sửa đổi, bổ sung", "quarter", date(2026, 9, 30)),
    "16": (VP, "Hướng dẫn đánh giá", "year", date(2026, 12, 31)),
    "17": (TT, "Tin bài, chuyên mục tuyên truyền", "continuous", None),
    "18": (VP, "Báo cáo 6 tháng (trước 10/6) và năm (trước 10/12)", "recurring", date(2026, 6, 9)),
}

# Plan 83/KH-UBND of the city (seed 002): STT → (lead, kind, understood due)
PLAN_002 = {
    "1": (ALL, "month", date(2026, 6, 30)),
    "2": (ALL, "continuous", None),
    "3": (ALL, "recurring", date(2026, 12, 31)),
    "4": ("Sở Nội vụ", "conditional", date(2026, 9, 30)),
    "5": ("Văn phòng UBND thành phố", "quarter", date(2026, 9, 30)),
    "6": ("Thanh tra thành phố", "continuous", None),
    "7": (ALL, "recurring", date(2026, 12, 31)),
    "8": ("Sở Khoa học và Công nghệ", "range", date(2027, 12, 31)),
    "9": (ALL, "quarter", date(2026, 9, 30)),
    "10": (ALL, "quarter", date(2026, 9, 30)),
    "11": (ALL, "recurring", date(2026, 12, 31)),
    "12": (ALL, "quarter", date(2026, 12, 31)),
    "13": (ALL, "year", date(2026, 12, 31)),
    "14": (ALL, "year", date(2026, 12, 31)),
    "15": ("Sở Khoa học và Công nghệ", "recurring", date(2026, 12, 31)),
    "16": (ALL, "year", date(2026, 12, 31)),
    "17": ("Sở Nội vụ", "recurring", date(2026, 6, 19)),
    "18": ("Sở Văn hóa, Thể thao và Du lịch", "continuous", None),
}


@pytest.fixture
def demo(db):
    load_demo(today=TODAY)


def rows(slug: str) -> dict[str, Task]:
    return {
        t.order_label: t
        for t in Task.objects.filter(plan__slug=slug, parent=None).select_related("lead_unit")
    }


def test_the_departments_plan_has_its_18_rows_with_their_leads_products_and_deadlines(demo):
    table = rows("skhcn-kl226-2026")
    assert sorted(table, key=int) == [str(n) for n in range(1, 19)]
    for label, (lead, product, kind, due) in PLAN_000.items():
        task = table[label]
        assert task.product == product, label
        assert (task.deadline_kind, task.original_due_date) == (kind, due), label
        if lead == ALL:
            assert task.fans_out and task.lead_unit is None
        else:
            assert task.lead_unit.name == lead, label


def test_the_city_plan_83_has_its_18_rows(demo):
    table = rows("83-kh-ubnd-2026")
    assert sorted(table, key=int) == [str(n) for n in range(1, 19)]
    for label, (lead, kind, due) in PLAN_002.items():
        task = table[label]
        assert (task.deadline_kind, task.original_due_date) == (kind, due), label
        assert task.fans_out == (lead == ALL), label
        if lead != ALL:
            assert task.lead_unit.name == lead, label
    assert table["4"].condition == "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị"
    assert table["3"].product.endswith(
        "báo cáo kết quả về UBND thành phố (qua Văn phòng UBND thành phố)"
    )
    assert table["8"].content.endswith("bảo đảm kết nối thông suốt, an toàn, ổn định.")


def test_a_row_for_every_unit_gives_one_task_per_unit_each_with_one_lead(demo):
    row3 = Task.objects.get(plan__slug="skhcn-kl226-2026", parent=None, order_label="3")
    children = list(row3.children.select_related("lead_unit"))
    assert sorted(c.lead_unit.name for c in children) == sorted(
        Unit.objects.filter(
            parent__name="Sở Khoa học và Công nghệ", kind__in=["division", "centre"]
        ).values_list("name", flat=True)
    )
    assert all(
        c.content == row3.content and c.deadline_text == row3.deadline_text for c in children
    )
    city_row = Task.objects.get(plan__slug="83-kh-ubnd-2026", parent=None, order_label="1")
    leads = set(city_row.children.values_list("lead_unit__name", flat=True))
    assert {"Sở Khoa học và Công nghệ", "Sở Nội vụ", "UBND phường Trấn Biên"} <= leads
    assert "Phòng Chuyển đổi số" not in leads  # the city's units, not the department's divisions


def test_plan_000_implements_83_and_the_campaign_has_five_phases_and_its_targets(demo):
    plan_000 = Plan.objects.get(slug="skhcn-kl226-2026")
    assert plan_000.parent.number == "83/KH-UBND"
    assert plan_000.bases.get().referenced_plan == plan_000.parent
    assert plan_000.reference_date == date(2026, 6, 1)
    campaign = Plan.objects.get(slug="skhcn-500-ngay-dem")
    assert [(p.start, p.end) for p in campaign.phases.all()] == [
        (None, date(2026, 6, 5)),
        (date(2026, 6, 5), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 9, 30)),
        (date(2027, 10, 1), date(2030, 12, 31)),
    ]
    on_time = campaign.targets.get(name__startswith="Nhiệm vụ được giao hoàn thành đúng hạn")
    assert (on_time.comparator, on_time.target_value) == ("gte", 98)
    late = campaign.targets.get(name__startswith="Giảm số lượng nhiệm vụ trễ hạn")
    assert (late.comparator, late.target_value) == ("reduce", 70)
    assert campaign.tasks.filter(phase__order=3).exists()
    targets_000 = {t.name: (t.comparator, int(t.target_value)) for t in plan_000.targets.all()}
    assert targets_000["Tỷ lệ họp trực tuyến trên tổng số cuộc họp"] == ("gte", 60)
    assert targets_000["Cắt giảm số lượng văn bản hành chính so với năm 2025"] == ("reduce", 15)
    assert Plan.objects.filter(slug="skhcn-tuyen-truyen-cchc-2026").exists()


def test_every_role_has_a_demo_login(demo):
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {Role.LEADERSHIP, Role.OFFICE, Role.UNIT_HEAD, Role.STAFF, Role.ADMIN}
    assert User.objects.get(username="vanphong").check_password("demo123")
    assert User.objects.get(username="pgd.quang").units_in_charge.filter(name=CDS).exists()


def test_every_demo_person_has_an_address_on_a_domain_reserved_for_examples(demo):
    # so that the warning e-mails of `make run` can be seen in its console, and go nowhere
    addresses = list(User.objects.values_list("email", flat=True))
    assert addresses and all(a.endswith("@so-khcn.example") for a in addresses)


def test_progress_is_believable_on_the_day_it_is_loaded(demo):
    found = set(
        Task.objects.tracked().with_punctuality(TODAY).values_list("punctuality", flat=True)
    )
    for wanted in (
        Punctuality.DONE_ON_TIME,
        Punctuality.DONE_LATE,
        Punctuality.OVERDUE,
        Punctuality.DUE_SOON,
    ):
        assert wanted in found, wanted
    assert ProgressUpdate.objects.exclude(delay_reason="").exists()
    assert DeadlineChange.objects.filter(state="approved").exists()
    assert DeadlineChange.objects.filter(state="pending").exists()


def test_loading_twice_duplicates_nothing(demo):
    counts = [
        Model.objects.count() for Model in (Unit, User, Plan, Task, ProgressUpdate, DeadlineChange)
    ]
    call_command("load_demo", "--today", TODAY.isoformat(), verbosity=0)
    assert [
        Model.objects.count() for Model in (Unit, User, Plan, Task, ProgressUpdate, DeadlineChange)
    ] == counts


def test_the_demo_shows_a_comment_thread_with_mentions_and_a_file(demo):
    from tasks.models import Attachment, Comment

    thread = list(Comment.objects.order_by("created_at").prefetch_related("mentions"))
    assert [c.author.username for c in thread] == ["vanphong", thread[1].author.username, "giamdoc"]
    assert [m.username for m in thread[1].mentions.all()] == ["giamdoc"]
    assert [m.username for m in thread[2].mentions.all()] == ["vanphong"]
    assert Attachment.objects.get().original_name == "Dự thảo báo cáo tiến độ.pdf"
