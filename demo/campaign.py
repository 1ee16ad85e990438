"""Plan 001 run as the emulation campaign in the demo: a commitment round signed by most people
(not all), registrations approved and waiting, three bottlenecks in different states, and target
figures for the periods since the start. Made once, on the load that first finds the plan; the
dates follow `today` as the rest of the demo does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from campaign import figures, services
from campaign.models import Campaign, CommitmentRound, RegistrationKind
from plans.models import Plan, Target, Unit
from tasks.punctuality import Status
from tasks.services import record_progress

PLAN = "skhcn-500-ngay-dem"
NOT_SIGNED = {"cv.cds2", "vc.trungtam"}  # 12 of 14 sign: the office has someone to chase
UNIT_NOT_SIGNED = {"tp.qlcn"}
COMMITMENT = (
    "Thực hiện Kế hoạch phát động đợt thi đua đặc biệt 500 ngày đêm “Đoàn kết - Kỷ cương - Hiệu "
    "quả - Bứt phá”, tôi cam kết:\n"
    "1. Thực hiện nghiêm nguyên tắc “6 rõ” đối với mọi nhiệm vụ được giao.\n"
    "2. Hoàn thành nhiệm vụ đúng hạn hoặc trước hạn; cập nhật tiến độ trên cổng theo thời gian "
    "thực; báo cáo, giải trình kịp thời khi chậm trễ.\n"
    "3. Tập trung thực hiện các nhiệm vụ trọng tâm, đột phá đã đăng ký; chủ động tháo gỡ khó "
    "khăn, vướng mắc; chịu trách nhiệm trước Ban Giám đốc về kết quả thực hiện."
)


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _first_task(plan: Plan, unit: Unit):
    return plan.tasks.tracked().filter(lead_unit=unit).order_by("position", "pk").first()


def load_campaign(*, today: date) -> Campaign | None:
    plan = Plan.objects.filter(slug=PLAN).first()
    if plan is None or Campaign.objects.filter(plan=plan).exists():
        return None
    start = plan.reference_date
    if today <= start + timedelta(days=10):
        return None  # the demo's day is before the campaign could have begun
    due = max(phase.end for phase in plan.phases.all() if phase.order <= 4)
    late_target = plan.targets.filter(name__startswith="Giảm số lượng nhiệm vụ trễ hạn").first()
    signing_target = plan.targets.filter(name__startswith="CBCCVC ký cam kết").first()
    campaign = Campaign.objects.create(
        plan=plan,
        started_on=start,
        targets_due_on=due,
        late_task_target=late_target,
        commitment_target=signing_target,
    )
    people = {u.username: u for u in User.objects.select_related("unit")}
    units = {u.short_name or u.name: u for u in Unit.objects.all()}
    round = _commitments(campaign, people, start=start)
    registrations = _registrations(campaign, people, units, start=start)
    _sign(round, people, registrations, start=start)
    _bottlenecks(campaign, people, units, today=today)
    _target_figures(campaign, people, today=today)
    return campaign


def _commitments(campaign, people, *, start) -> CommitmentRound:
    return services.open_round(
        campaign=campaign,
        title="Ký cam kết trách nhiệm — Giai đoạn 1",
        text=COMMITMENT,
        opened_on=start,
        due_on=start + timedelta(days=4),
        by=people["vanphong"],
    )


def _registrations(campaign, people, units, *, start) -> dict[int, list]:
    """{unit id: registrations} — existing tasks and new ones, most approved, some waiting."""
    plan = campaign.plan
    cds, tt, khtc, qlkh, vp = (
        units["P. Chuyển đổi số"],
        units["Trung tâm KH&CN"],
        units["P. Kế hoạch - Tài chính"],
        units["P. Quản lý Khoa học"],
        units["Văn phòng"],
    )
    at = _at(start + timedelta(days=2))
    wanted = [
        (cds, RegistrationKind.KEY, _first_task(plan, cds), "", "tp.cds", "pgd.quang"),
        (cds, RegistrationKind.BREAKTHROUGH, None,
         "Triển khai trợ lý ảo hỗ trợ giải quyết thủ tục hành chính", "cv.cds", None),
        (tt, RegistrationKind.KEY, _first_task(plan, tt), "", "gd.trungtam", "pgd.quang"),
        (tt, RegistrationKind.BACKLOG, None,
         "Xử lý dứt điểm hồ sơ thẩm định công nghệ tồn đọng từ năm 2025", "vc.trungtam",
         "pgd.quang"),
        (khtc, RegistrationKind.KEY, _first_task(plan, khtc), "", "tp.khtc", "giamdoc"),
        (khtc, RegistrationKind.BACKLOG, None,
         "Quyết toán các dự án hoàn thành còn tồn đọng năm 2024-2025", "tp.khtc", None),
        (qlkh, RegistrationKind.KEY, None,
         "Nghiệm thu các nhiệm vụ khoa học và công nghệ cấp tỉnh chậm tiến độ", "tp.qlkh",
         "pgd.ha"),
        (vp, RegistrationKind.KEY, _first_task(plan, vp), "", "vanphong", "giamdoc"),
    ]  # fmt: skip
    found: dict[int, list] = {}
    for number, (unit, kind, task, title, who, approver) in enumerate(wanted):
        if task is None and not title:
            continue
        registration = services.register(
            campaign=campaign,
            unit=unit,
            kind=kind,
            by=people[who],
            task=task,
            title=title,
            due_date=None if task else date(start.year, 12, 31),
            at=at + timedelta(hours=number),
        )
        if approver:
            registration = services.decide_registration(
                registration=registration,
                by=people[approver],
                approve=True,
                comment="Đồng ý, đơn vị tập trung thực hiện.",
                at=at + timedelta(days=1, hours=number),
            )
        found.setdefault(unit.pk, []).append(registration)
    return found


def _sign(round, people, registrations, *, start) -> None:
    for number, person in enumerate(figures.expected_signers(round.campaign).order_by("pk")):
        if person.username in NOT_SIGNED:
            continue
        mine = [
            r for r in registrations.get(person.unit_id, []) if r.kind != RegistrationKind.BACKLOG
        ]
        at = _at(start + timedelta(days=1 + number % 4), hour=8 + number % 8)
        services.sign_commitment(
            round=round,
            by=person,
            registrations=mine if person.role in ("unit_head", "staff") else [],
            own_works="Đề xuất sáng kiến cải tiến quy trình tiếp nhận hồ sơ trực tuyến"
            if number % 3 == 0
            else "",
            at=at,
        )
        if person.role == "unit_head" and person.username not in UNIT_NOT_SIGNED:
            services.sign_commitment(
                round=round,
                by=person,
                for_unit=person.unit,
                registrations=registrations.get(person.unit_id, []),
                at=at + timedelta(minutes=5),
            )


def _bottlenecks(campaign, people, units, *, today) -> None:
    """One stalled while being cleared, one escalated, one cleared."""
    stalled = services.record_bottleneck(
        campaign=campaign,
        unit=units["P. Chuyển đổi số"],
        title="Chưa liên thông được dữ liệu hồ sơ thủ tục hành chính với kho dữ liệu dùng chung",
        cause="Nhà cung cấp phần mềm một cửa chưa mở giao diện kết nối; chưa có quy chế chia sẻ "
        "dữ liệu giữa các hệ thống.",
        responsible=people["cv.cds"],
        by=people["tp.cds"],
        at=_at(today - timedelta(days=40)),
    )
    services.add_clearing_task(
        bottleneck=stalled,
        by=people["tp.cds"],
        content="Làm việc với nhà cung cấp phần mềm về giao diện kết nối (API) và lộ trình liên "
        "thông dữ liệu",
        due_date=today + timedelta(days=20),
        assignee=people["cv.cds"],
        at=_at(today - timedelta(days=30)),
    )
    services.move_bottleneck(
        bottleneck=stalled,
        by=people["tp.cds"],
        state="clearing",
        note="Đã gửi văn bản đề nghị nhà cung cấp; chờ phản hồi.",
        at=_at(today - timedelta(days=25)),
    )
    escalated = services.record_bottleneck(
        campaign=campaign,
        unit=units["P. Kế hoạch - Tài chính"],
        title="Giải ngân vốn đầu tư công dự án nâng cấp phòng thí nghiệm đạt thấp",
        cause="Hồ sơ điều chỉnh chủ trương đầu tư chưa được cấp có thẩm quyền phê duyệt.",
        responsible=people["tp.khtc"],
        by=people["vanphong"],
        at=_at(today - timedelta(days=35)),
    )
    services.add_clearing_task(
        bottleneck=escalated,
        by=people["tp.khtc"],
        content="Trình UBND thành phố điều chỉnh chủ trương đầu tư dự án",
        due_date=today + timedelta(days=30),
        assignee=people["tp.khtc"],
        at=_at(today - timedelta(days=20)),
    )
    services.move_bottleneck(
        bottleneck=escalated,
        by=people["tp.khtc"],
        state="escalated",
        note="Vượt thẩm quyền của Sở: đã báo cáo Giám đốc để kiến nghị UBND thành phố.",
        at=_at(today - timedelta(days=3)),
    )
    cleared = services.record_bottleneck(
        campaign=campaign,
        unit=units["Trung tâm KH&CN"],
        title="Hồ sơ thẩm định công nghệ tồn đọng do thiếu chuyên gia phản biện",
        cause="Danh sách chuyên gia chưa được cập nhật từ năm 2024.",
        responsible=people["gd.trungtam"],
        by=people["gd.trungtam"],
        at=_at(today - timedelta(days=60)),
    )
    expert_list = services.add_clearing_task(
        bottleneck=cleared,
        by=people["gd.trungtam"],
        content="Bổ sung danh sách chuyên gia phản biện và thẩm định hết hồ sơ tồn",
        due_date=today - timedelta(days=20),
        assignee=people["vc.trungtam"],
        at=_at(today - timedelta(days=55)),
    )
    record_progress(
        task=expert_list,
        by=people["vc.trungtam"],
        percent=100,
        status=Status.DONE,
        achieved="Đã bổ sung 12 chuyên gia; thẩm định xong 9 hồ sơ tồn.",
        at=_at(today - timedelta(days=21)),
    )
    services.move_bottleneck(
        bottleneck=cleared,
        by=people["gd.trungtam"],
        state="cleared",
        note="Đã bổ sung 12 chuyên gia; toàn bộ hồ sơ tồn đã được thẩm định.",
        at=_at(today - timedelta(days=15)),
    )


# (target name starts with, figures per period, baseline value for a relative target)
FIGURES = [
    ("Hồ sơ thủ tục hành chính cấp thành phố", ["86", "91", "93.5"], None),
    ("Mức độ hài lòng", ["90.5", "91", "91.2"], None),
    ("Rút ngắn thời gian giải quyết", ["11.5", "10.8", "10.2"], Decimal(12)),
    ("Cán bộ, công chức, viên chức có sáng kiến", ["5", "9", "12"], None),
]


def _target_figures(campaign, people, *, today) -> None:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    periods = sorted({*figures.quarter_ends(campaign.started_on, today), last_month_end})[-3:]
    office = people["vanphong"]
    for prefix, values, baseline in FIGURES:
        target = campaign.plan.targets.filter(name__startswith=prefix).first()
        if target is None:
            continue
        if baseline is not None:
            Target.objects.filter(pk=target.pk).update(baseline_value=baseline)
            target.baseline_value = baseline
        for period_end, value in zip(periods, values, strict=False):
            relative = baseline is not None
            services.report_target(
                target=target,
                unit=target.responsible_unit,
                by=office,
                period_end=period_end,
                value=None if relative else Decimal(value),
                measured=Decimal(value) if relative else None,
                note="Số liệu tổng hợp từ báo cáo của các phòng, đơn vị.",
                evidence_link=f"https://vanban.so-khcn.example/bao-cao/{period_end:%Y-%m}",
                today=today,
            )
