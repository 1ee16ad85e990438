"""The campaign's writes: opening a round, signing, registering and approving, the bottleneck
register, target figures. Each is one function with keyword-only arguments that tests call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from campaign.figures import expected_signers, expected_units, stalled_bottlenecks
from campaign.models import (
    Bottleneck,
    BottleneckState,
    Campaign,
    Commitment,
    CommitmentRound,
    Registration,
    RegistrationKind,
    RegistrationState,
    Reminder,
)
from campaign.permissions import may_sign_for_unit
from plans.deadlines import DeadlineKind
from plans.models import Comparator, Target, TargetResult, Unit
from plans.text import clean
from tasks.models import Task
from tasks.punctuality import local_today

MAX_YEARS_AHEAD = 10


def check_deadline(day: date, *, today: date) -> None:
    """A new task's deadline: from today, and no further than the plans reach (10 years)."""
    if day < today:
        raise ValidationError({"due_date": _("Thời hạn không được trước hôm nay.")})
    if day > today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28)):
        raise ValidationError(
            {"due_date": _("Thời hạn quá xa (hơn %(n)s năm).") % {"n": MAX_YEARS_AHEAD}}
        )


# --- commitments ------------------------------------------------------------------------------


def open_round(
    *, campaign: Campaign, title: str, text: str, opened_on: date, due_on: date | None, by
) -> CommitmentRound:
    title, text = clean(title), text.strip()
    if not title or not text:
        raise ValidationError(_("Xin nhập tên đợt và nội dung cam kết."))
    if due_on is not None and not opened_on <= due_on <= opened_on + timedelta(days=366):
        raise ValidationError({"due_on": _("Hạn ký phải từ ngày mở đến tối đa một năm sau.")})
    return CommitmentRound.objects.create(
        campaign=campaign, title=title, text=text, opened_on=opened_on, due_on=due_on, opened_by=by
    )


def sign_commitment(
    *,
    round: CommitmentRound,
    by,
    for_unit: Unit | None = None,
    own_works: str = "",
    registrations: Iterable[Registration] = (),
    at: datetime | None = None,
) -> tuple[Commitment, bool]:
    """Sign once: a second submission (a double click, a second tab) returns the commitment
    already signed, unchanged. Returns (commitment, created)."""
    if by.unit_id is None:
        raise ValidationError(_("Tài khoản chưa thuộc đơn vị nào nên chưa ký cam kết được."))
    if for_unit is not None and not may_sign_for_unit(by, for_unit):
        raise ValidationError(_("Chỉ trưởng đơn vị ký cam kết thay mặt đơn vị."))
    existing = _signed(round=round, by=by, for_unit=for_unit)
    if existing is not None:
        return existing, False
    at = at or timezone.now()
    registered = [
        {"id": r.pk, "kind": r.kind, "kind_label": str(r.get_kind_display()), "title": r.title}
        for r in registrations
    ]
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                round=round,
                signer=by,
                unit=for_unit,
                text=round.text,
                own_works=own_works.strip(),
                registered=registered,
                signed_on=local_today(at),
                signed_at=at,
            )
    except IntegrityError:
        # The same person signed in another request a moment ago.
        return _signed(round=round, by=by, for_unit=for_unit), False
    return commitment, True


def _signed(*, round: CommitmentRound, by, for_unit: Unit | None) -> Commitment | None:
    if for_unit is None:
        return Commitment.objects.filter(round=round, signer=by, unit__isnull=True).first()
    return Commitment.objects.filter(round=round, unit=for_unit).first()


def unsigned_people(round: CommitmentRound):
    signed = Commitment.objects.filter(round=round, unit__isnull=True).values("signer_id")
    return expected_signers(round.campaign).exclude(pk__in=signed)


def unsigned_units(round: CommitmentRound):
    signed = Commitment.objects.filter(round=round, unit__isnull=False).values("unit_id")
    return expected_units(round.campaign).exclude(pk__in=signed)


def _claim_reminder(*, recipient_id: int, subject: str, day: date, now: datetime) -> bool:
    """Record a reminder before sending it; False when one was already sent (once a day)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                recipient_id=recipient_id, subject=subject, day=day, sent_at=now
            )
    except IntegrityError:
        return False
    return True


def _send(messages: list[EmailMessage]) -> None:
    if messages:
        get_connection(fail_silently=True).send_messages(messages)


def remind_unsigned(*, round: CommitmentRound, now: datetime | None = None) -> int:
    """E-mail each person who has not signed (and each unit head whose unit has not), at most
    once a day. Returns how many were reminded."""
    now = now or timezone.now()
    today = local_today(now)
    people = set(unsigned_people(round).exclude(email="").values_list("pk", "email"))
    heads = expected_signers(round.campaign).filter(
        role=Role.UNIT_HEAD, unit__in=unsigned_units(round)
    )
    people |= set(heads.exclude(email="").values_list("pk", "email"))
    link = settings.SITE_URL.rstrip("/") + reverse("campaign:sign", args=[round.campaign_id])
    subject = _("[6 rõ] Nhắc ký cam kết: %(round)s") % {"round": round.title}
    due = _("Hạn ký: %(d)s.") % {"d": round.due_on.strftime("%d/%m/%Y")} if round.due_on else ""
    body = _(
        "Anh/chị chưa ký cam kết trách nhiệm trong đợt “%(round)s”. %(due)s\n"
        "Xin ký trên Cổng theo dõi nhiệm vụ 6 rõ: %(link)s"
    ) % {"round": round.title, "due": due, "link": link}
    messages = [
        EmailMessage(subject=subject, body=body, to=[email])
        for pk, email in sorted(people)
        if _claim_reminder(recipient_id=pk, subject=f"round-{round.pk}", day=today, now=now)
    ]
    _send(messages)
    return len(messages)


# --- registrations ----------------------------------------------------------------------------


def register(
    *,
    campaign: Campaign,
    unit: Unit,
    kind: str,
    by,
    task: Task | None = None,
    title: str = "",
    product: str = "",
    due_date: date | None = None,
    at: datetime | None = None,
) -> Registration:
    """Register an existing task of the unit as key, breakthrough or backlog, or a new one
    (created as a task of the campaign's plan when approved)."""
    if kind not in RegistrationKind.values:
        raise ValidationError(_("Loại đăng ký không hợp lệ."))
    if task is not None:
        unit_ids = Unit.objects.descendant_ids({unit.pk})
        if task.lead_unit_id not in unit_ids:
            raise ValidationError({"task": _("Nhiệm vụ này không do đơn vị chủ trì.")})
        if Registration.objects.filter(campaign=campaign, task=task, kind=kind).exists():
            raise ValidationError({"task": _("Nhiệm vụ này đã được đăng ký với loại này.")})
        title = task.content
        due_date = task.due_date
        product = product or task.product
    else:
        title = clean(title)
        if not title:
            raise ValidationError({"title": _("Xin nhập nội dung nhiệm vụ đăng ký.")})
        if due_date is None:
            raise ValidationError({"due_date": _("Nhiệm vụ mới cần có thời hạn.")})
        check_deadline(due_date, today=local_today(at))
    try:
        with transaction.atomic():
            return Registration.objects.create(
                campaign=campaign,
                unit=unit,
                kind=kind,
                task=task,
                title=title,
                product=clean(product)[:500],
                due_date=due_date,
                registered_by=by,
                registered_at=at or timezone.now(),
            )
    except IntegrityError as error:
        raise ValidationError({"task": _("Nhiệm vụ này đã được đăng ký với loại này.")}) from error


@transaction.atomic
def decide_registration(
    *, registration: Registration, by, approve: bool, comment: str = "", at: datetime | None = None
) -> Registration:
    """The leader in charge approves (an existing task is flagged; a new one becomes a task of
    the plan, led by the unit) or refuses with a reason."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != RegistrationState.PENDING:
        raise ValidationError(_("Đăng ký này đã được duyệt."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Xin nêu ý kiến khi không duyệt.")})
    at = at or timezone.now()
    if approve:
        task = registration.task or _new_task(registration, by=by)
        if registration.kind == RegistrationKind.KEY and not task.is_key:
            task.is_key = True
            task._history_user = by
            task.save(update_fields=["is_key", "updated_at"])
        elif registration.kind == RegistrationKind.BREAKTHROUGH and not task.is_breakthrough:
            task.is_breakthrough = True
            task._history_user = by
            task.save(update_fields=["is_breakthrough", "updated_at"])
        registration.task = task
    registration.state = RegistrationState.APPROVED if approve else RegistrationState.REFUSED
    registration.decided_by, registration.decided_at = by, at
    registration.comment = comment.strip()
    registration._history_user = by
    registration.save()
    return registration


def _new_task(registration: Registration, *, by) -> Task:
    plan = registration.campaign.plan
    last = plan.tasks.aggregate(last=Max("position"))["last"] or 0
    due = registration.due_date
    task = Task(
        plan=plan,
        position=last + 1,
        section=str(_("Nhiệm vụ đăng ký thi đua")),
        content=registration.title,
        lead_unit=registration.unit,
        lead_as_written=registration.unit.name,
        authority_user=by if by.role == Role.LEADERSHIP else None,
        authority_body="" if by.role == Role.LEADERSHIP else plan.default_authority,
        product=registration.product,
        deadline_text=due.strftime("%d/%m/%Y"),
        deadline_kind=DeadlineKind.DATE,
        due_date=due,
        original_due_date=due,
    )
    task._history_user = by
    task.save()
    return task


# --- bottlenecks ------------------------------------------------------------------------------


def leader_in_charge(unit: Unit) -> User | None:
    """The leader in charge of the unit, or of the nearest unit above it."""
    parents = dict(Unit.objects.values_list("pk", "parent_id"))
    chain, unit_id = [], unit.pk
    while unit_id is not None and unit_id not in chain:
        chain.append(unit_id)
        unit_id = parents.get(unit_id)
    leaders = User.objects.filter(
        role=Role.LEADERSHIP, is_active=True, units_in_charge__in=chain
    ).distinct()
    by_unit = {}
    for leader in leaders.prefetch_related("units_in_charge"):
        for charged in leader.units_in_charge.all():
            by_unit.setdefault(charged.pk, leader)
    return next((by_unit[pk] for pk in chain if pk in by_unit), None)


def record_bottleneck(
    *,
    campaign: Campaign,
    unit: Unit,
    title: str,
    cause: str,
    responsible: User,
    by,
    leader: User | None = None,
    at: datetime | None = None,
) -> Bottleneck:
    title, cause = clean(title), cause.strip()
    if not title or not cause:
        raise ValidationError(_("Xin nêu việc bị vướng và nguyên nhân."))
    at = at or timezone.now()
    bottleneck = Bottleneck(
        campaign=campaign,
        unit=unit,
        title=title,
        cause=cause,
        responsible=responsible,
        leader=leader or leader_in_charge(unit),
        created_by=by,
        created_at=at,
        moved_at=at,
    )
    bottleneck._history_user = by
    bottleneck._change_reason = str(_("Ghi điểm nghẽn"))
    bottleneck.save()
    return bottleneck


@transaction.atomic
def move_bottleneck(
    *, bottleneck: Bottleneck, by, state: str, note: str, at: datetime | None = None
) -> Bottleneck:
    """A new state and what happened: every change is kept in the history."""
    if state not in BottleneckState.values:
        raise ValidationError({"state": _("Trạng thái không hợp lệ.")})
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Xin ghi rõ kết quả tháo gỡ hoặc lý do.")})
    if state == BottleneckState.CLEARING and not bottleneck.tasks.exists():
        raise ValidationError(
            {
                "state": _(
                    "Cần có ít nhất một nhiệm vụ tháo gỡ (có thời hạn) trước khi chuyển "
                    "sang “Đang tháo gỡ”."
                )
            }
        )
    at = at or timezone.now()
    bottleneck.state, bottleneck.note, bottleneck.moved_at = state, note, at
    bottleneck.cleared_on = local_today(at) if state == BottleneckState.CLEARED else None
    bottleneck._history_user = by
    bottleneck._change_reason = f"{BottleneckState(state).label}: {note}"
    bottleneck.save()
    return bottleneck


@transaction.atomic
def add_clearing_task(
    *,
    bottleneck: Bottleneck,
    by,
    content: str,
    due_date: date,
    assignee: User | None = None,
    at: datetime | None = None,
) -> Task:
    """One step of the plan to clear it: a task of the campaign's plan, led by the unit."""
    content = clean(content)
    if not content:
        raise ValidationError({"content": _("Xin nhập nội dung nhiệm vụ tháo gỡ.")})
    at = at or timezone.now()
    check_deadline(due_date, today=local_today(at))
    plan = bottleneck.campaign.plan
    last = plan.tasks.aggregate(last=Max("position"))["last"] or 0
    task = Task(
        plan=plan,
        position=last + 1,
        section=str(_("Tháo gỡ điểm nghẽn")),
        content=content,
        lead_unit=bottleneck.unit,
        lead_as_written=bottleneck.unit.name,
        assignee=assignee,
        authority_user=bottleneck.leader,
        authority_body="" if bottleneck.leader_id else plan.default_authority,
        product=str(_("Điểm nghẽn được tháo gỡ: %(t)s") % {"t": bottleneck.title})[:500],
        deadline_text=due_date.strftime("%d/%m/%Y"),
        deadline_kind=DeadlineKind.DATE,
        due_date=due_date,
        original_due_date=due_date,
    )
    task._history_user = by
    task.save()
    bottleneck._change_reason = None  # the link's own history row: shown through the next one
    bottleneck.tasks.add(task)
    bottleneck.moved_at = at
    bottleneck._history_user = by
    bottleneck._change_reason = _("Thêm nhiệm vụ tháo gỡ, hạn %(d)s: %(t)s") % {
        "d": due_date.strftime("%d/%m/%Y"),
        "t": content,
    }
    bottleneck.save(update_fields=["moved_at"])
    return task


def warn_stalled_bottlenecks(*, now: datetime | None = None) -> int:
    """E-mail the person responsible, the unit's head and the leader in charge about each open
    bottleneck with no movement (campaign.figures.last_movement) for BOTTLENECK_STALL_DAYS days:
    once per stall, keyed on the day it last moved. Returns the number of e-mails."""
    now = now or timezone.now()
    today = local_today(now)
    messages = []
    for bottleneck, moved_on in stalled_bottlenecks(today=today):
        heads = User.objects.filter(role=Role.UNIT_HEAD, unit=bottleneck.unit, is_active=True)
        people = {bottleneck.responsible, bottleneck.leader, *heads}
        link = settings.SITE_URL.rstrip("/") + reverse("campaign:bottleneck", args=[bottleneck.pk])
        subject = _("[6 rõ] Điểm nghẽn chưa chuyển biến: %(t)s") % {"t": bottleneck.title[:80]}
        body = _(
            "Điểm nghẽn “%(t)s” (%(unit)s) không có chuyển biến từ ngày %(d)s (%(n)s ngày).\n"
            "Xin cập nhật kết quả tháo gỡ hoặc báo cáo lãnh đạo phụ trách: %(link)s"
        ) % {
            "t": bottleneck.title,
            "unit": bottleneck.unit.display_name,
            "d": moved_on.strftime("%d/%m/%Y"),
            "n": (today - moved_on).days,
            "link": link,
        }
        for person in sorted((p for p in people if p and p.email), key=lambda p: p.pk):
            if _claim_reminder(
                recipient_id=person.pk, subject=f"bottleneck-{bottleneck.pk}", day=moved_on, now=now
            ):
                messages.append(EmailMessage(subject=subject, body=body, to=[person.email]))
    _send(messages)
    return len(messages)


# --- targets ----------------------------------------------------------------------------------

RELATIVE = (Comparator.REDUCE_BY, Comparator.INCREASE_BY)


def change_against_baseline(*, target: Target, measured: Decimal) -> Decimal:
    """A reduction (or increase) in % of the baseline: 45 conferences against 50 is 10.00."""
    base = target.baseline_value
    if not base:
        raise ValidationError(_("Chỉ tiêu chưa có giá trị kỳ gốc."))
    change = (base - measured) if target.comparator == Comparator.REDUCE_BY else (measured - base)
    return (100 * change / base).quantize(Decimal("0.01"))


def report_target(
    *,
    target: Target,
    unit: Unit | None,
    by,
    period_end: date,
    value: Decimal | None = None,
    measured: Decimal | None = None,
    note: str = "",
    evidence_link: str = "",
    evidence_file=None,
    today: date,
) -> tuple[TargetResult, bool]:
    """Enter a unit's figure for a period. A relative target with a baseline takes the measured
    figure and stores the change in %. The same figure sent twice is recorded once; another
    figure for a period already reported is refused. Returns (result, created)."""
    earliest = today - timedelta(days=5 * 366)
    if not earliest <= period_end <= today:
        raise ValidationError(
            {
                "period_end": _("Kỳ báo cáo phải từ %(a)s đến hôm nay.")
                % {"a": earliest.strftime("%d/%m/%Y")}
            }
        )
    if target.comparator in RELATIVE and target.baseline_value:
        if measured is None:
            raise ValidationError({"measured": _("Xin nhập số liệu của kỳ này.")})
        value = change_against_baseline(target=target, measured=measured)
    elif value is None:
        raise ValidationError({"value": _("Xin nhập giá trị đạt được.")})
    if not evidence_link and not evidence_file:
        raise ValidationError(_("Xin gửi kèm minh chứng: một tệp hoặc một đường dẫn."))
    with transaction.atomic():
        existing = (
            TargetResult.objects.select_for_update()
            .filter(target=target, unit=unit, period_end=period_end)
            .first()
        )
        if existing is not None:
            if existing.value == value:
                return existing, False
            raise ValidationError(
                {
                    "period_end": _(
                        "Kỳ này đã có số liệu (%(v)s); xin Văn phòng điều chỉnh nếu cần."
                    )
                    % {"v": existing.value}
                }
            )
        result = TargetResult.objects.create(
            target=target,
            unit=unit,
            period_end=period_end,
            value=value,
            measured=measured if target.comparator in RELATIVE else None,
            note=note.strip(),
            evidence_link=evidence_link,
            evidence_file=evidence_file or "",
            recorded_by=by,
        )
    return result, True
