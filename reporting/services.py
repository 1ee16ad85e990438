"""Drafting, generating and issuing reports: the only writes of reporting."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import Role, User
from plans.models import Plan, Unit
from reporting import builds
from reporting.data import ReportData, build_report_data, plan_phases, scope_for
from reporting.excel import render_xlsx
from reporting.models import Report, ReportState, RequiredReport
from reporting.narrative import (
    default_assessment,
    default_proposals,
    default_recipients,
    default_signer,
)
from reporting.pdf import render_pdf
from reporting.periods import (
    Period,
    PeriodKind,
    cut_off_before,
    next_period,
    parse_period,
    period_code_on,
    previous_period,
)

logger = logging.getLogger(__name__)

# The department's own reports (plan 000, IV.1), to the city People's Committee via Sở Nội vụ:
# the 6-month report before 10/6 and the annual report before 10/12, each year. What a plan
# requires of its own is in RequiredReport, edited in the admin.
DUE_REPORTS = [
    (PeriodKind.SEMIANNUAL, (6, 10)),
    (PeriodKind.ANNUAL, (12, 10)),
]


def create_draft(
    *,
    kind: str,
    code: str,
    by: User | None,
    cutoff: bool = True,
    unit: Unit | None = None,
    plan: Plan | None = None,
    leader: User | None = None,
    other_bodies: bool = False,
    until: date | None = None,
    automatic: bool = False,
) -> Report:
    """A draft report for a period and scope, with a first narrative to edit; `until`: its data
    stop that day, before the period's usual last day."""
    phases = plan_phases(plan) if kind == PeriodKind.PHASE else []
    period = parse_period(kind, code, cutoff=cutoff, phases=phases, until=until)
    scope = scope_for(unit=unit, plan=plan, leader=leader, other_bodies=other_bodies)
    signer_title, signer_name = default_signer(by, unit)
    return Report.objects.create(
        kind=period.kind,
        period_code=period.code,
        cutoff=period.cutoff,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        title=" ".join(p for p in ("Kết quả thực hiện nhiệm vụ", period.label, scope.label) if p),
        scope_kind=scope.kind,
        scope_unit=unit,
        scope_plan=plan,
        scope_leader=leader,
        scope_other_bodies=scope.other_bodies,
        scope_key=scope.key,
        recipients="\n".join(default_recipients(unit)),
        signer_title=signer_title,
        signer_name=signer_name,
        created_by=by,
        prepared_automatically=automatic,
    )


def report_period(report: Report) -> Period:
    """The report's period, with its data stopping early when they were made to."""
    phases = plan_phases(report.scope_plan) if report.kind == PeriodKind.PHASE else []
    period = parse_period(report.kind, report.period_code, cutoff=report.cutoff, phases=phases)
    if report.period_key != period.key:  # a phase follows its plan's dates; this does not
        period = parse_period(
            report.kind, report.period_code, cutoff=report.cutoff, until=report.period_end
        )
    return period


def build_data(report: Report, *, today: date) -> ReportData:
    phases = plan_phases(report.scope_plan) if report.kind == PeriodKind.PHASE else []
    period = report_period(report)
    return build_report_data(
        period=period,
        scope=scope_for(
            unit=report.scope_unit,
            plan=report.scope_plan,
            leader=report.scope_leader,
            other_bodies=report.scope_other_bodies,
        ),
        today=today,
        previous=previous_period(period, phases=phases),
        following=next_period(period, phases=phases),
    )


def start_generation(*, report: Report, issue: bool = False) -> bool:
    """Mark the report as being generated (a new build) and queue its job once the transaction
    commits (`builds.enqueue`: a broker that is down fails the build with a message).

    Returns False when it is already being generated or is issued: a double click queues
    nothing twice.
    """
    claimed = Report.objects.filter(
        pk=report.pk, state__in=[ReportState.DRAFT, ReportState.FAILED]
    ).update(
        state=ReportState.GENERATING,
        progress=0,
        issuing=issue,
        error="",
        attempt=F("attempt") + 1,
        runs=0,
        queued_at=timezone.now(),
        started_at=None,
        heartbeat_at=None,
    )
    report.refresh_from_db()
    if claimed:
        transaction.on_commit(partial(builds.enqueue, report_id=report.pk, attempt=report.attempt))
    return bool(claimed)


def _progress(report: Report, percent: int) -> None:
    builds.beat(report_id=report.pk, attempt=report.attempt, progress=percent)


def generate_files(*, report_id: int, today: date, attempt: int | None = None) -> Report:
    """The job: read the data (or, when issuing, the snapshot Văn phòng reviewed), write the
    Excel and PDF files, then leave the report a draft again — or issued, with its version.

    Safe to run twice (the job is requeued when its worker dies): a run of a build that is no
    longer current (done, issued, failed by the sweep, replaced by a newer request) does
    nothing, and a second run of the same build makes it again and leaves one set of files.
    `attempt` is the build the job was queued for (by default, the current one).
    """
    report = Report.objects.select_related("scope_unit", "scope_plan", "scope_leader").get(
        pk=report_id
    )
    attempt = report.attempt if attempt is None else attempt
    if not builds.claim_run(report=report, attempt=attempt, now=timezone.now()):
        report.refresh_from_db()
        return report
    heartbeat = builds.Heartbeat(report_id=report_id, attempt=attempt)
    try:
        _progress(report, 5)
        if report.issuing and report.snapshot:
            data = ReportData.from_json(report.snapshot)
        else:
            data = build_data(report, today=today)
            report.snapshot, report.data_as_of = data.to_json(), today
            if not report.assessment:
                report.assessment = default_assessment(data)
            if not report.proposals:
                report.proposals = default_proposals(data)
        _progress(report, 40)
        if report.issuing:
            report.issued_on = today
            report.version = _next_version(report)
        document = report.document(final=report.issuing)
        xlsx = render_xlsx(data, document)
        _progress(report, 60)
        pdf = render_pdf(data, document)
        _progress(report, 95)
        report.state = ReportState.ISSUED if report.issuing else ReportState.DRAFT
        report.progress, report.generated_at = 100, timezone.now()
        _save(report, files={"xlsx": xlsx, "pdf": pdf})
    except builds.Superseded:
        logger.info("Report %s: build %s is no longer current; stopped", report_id, attempt)
        report.refresh_from_db()
    except Exception as error:  # any failure is shown on the report's page
        logger.exception("Report %s failed", report_id)
        builds.fail(report_id=report_id, attempt=attempt, error=str(error))
        raise
    finally:
        heartbeat.stop()
    return report


def _save(report: Report, *, files: dict[str, bytes]) -> None:
    """Write the files and the report, if the build is still the current one (its row locked
    meanwhile, so the sweep cannot fail it halfway). The files are named after the build: a
    file already there was left by a run of this same build whose worker died, and is replaced.
    """
    with transaction.atomic():
        current = Report.objects.select_for_update().filter(
            pk=report.pk, state=ReportState.GENERATING, attempt=report.attempt
        )
        if not current.exists():
            raise builds.Superseded
        saved = []
        try:
            for extension, content in files.items():
                field = getattr(report, extension)
                name = f"{report.pk}-{report.attempt}-{report.file_name(extension)}"
                stored = field.field.generate_filename(report, name)
                if field.storage.exists(stored):
                    field.storage.delete(stored)
                field.save(name, ContentFile(content), save=False)
                saved.append(field)
            report.heartbeat_at = timezone.now()
            report.save()
        except Exception:
            for field in saved:
                field.storage.delete(field.name)
            raise


def _next_version(report: Report) -> int:
    issued = Report.objects.filter(
        period_key=report.period_key, scope_key=report.scope_key, state=ReportState.ISSUED
    ).aggregate(last=Max("version"))["last"]
    return (issued or 0) + 1


@dataclass(frozen=True)
class DueReport:
    kind: str
    code: str
    due: date
    plan: Plan | None = None  # None: the department's own report


def due_reports(*, year: int) -> list[DueReport]:
    """The reports due in `year`: the department's own, then those the plans require that year
    (none for a period before the plan was issued)."""
    found = [
        DueReport(kind, period_code_on(kind, date(year, month, day)), date(year, month, day))
        for kind, (month, day) in DUE_REPORTS
    ]
    for required in RequiredReport.objects.select_related("plan").order_by(
        "plan_id", "due_month", "due_day", "pk"
    ):
        due = required.due_in(year)
        issued = required.plan.issue_date
        if required.applies_in(year) and not (issued and due < issued):
            code = period_code_on(required.kind, due)
            found.append(DueReport(required.kind, code, due, required.plan))
    return found


def prepare_due_reports(*, today: date) -> list[Report]:
    """Drafts of the reports due, `REPORT_PREPARE_DAYS_AHEAD` days before they are due, each
    prepared once (not when a report of that period and scope already exists); Văn phòng is
    told by email. A draft's data stop before its due date: when the period's usual last day
    (the 14th) is not before it, `REPORT_CUTOFF_DAYS_BEFORE_DUE` days before it."""
    prepared = []
    ahead = settings.REPORT_PREPARE_DAYS_AHEAD
    for due_report in due_reports(year=today.year):
        kind, code, due, plan = due_report.kind, due_report.code, due_report.due, due_report.plan
        if not 0 < (due - today).days <= ahead:
            continue
        scope = scope_for(plan=plan)
        if Report.objects.filter(kind=kind, period_code=code, scope_key=scope.key).exists():
            continue
        until = cut_off_before(
            parse_period(kind, code), due=due, days=settings.REPORT_CUTOFF_DAYS_BEFORE_DUE
        )
        report = create_draft(kind=kind, code=code, by=None, plan=plan, until=until, automatic=True)
        start_generation(report=report)
        _notify_office(report, due=due)
        prepared.append(report)
    return prepared


def _notify_office(report: Report, *, due: date) -> None:
    # Plain mail for now; to go through the portal's notification channels once they exist.
    emails = list(
        User.objects.filter(role=Role.OFFICE, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not emails:
        return
    link = f"{settings.SITE_URL.rstrip('/')}/bao-cao/{report.pk}/"
    send_mail(
        subject=f"Dự thảo báo cáo {report.title} (hạn gửi {due:%d/%m/%Y})",
        message=(
            f"Cổng 6 rõ đã chuẩn bị dự thảo báo cáo “{report.title}”, "
            f"số liệu từ ngày {report.period_start:%d/%m/%Y}, "
            f"tính đến ngày {report.period_end:%d/%m/%Y}.\n"
            f"Hạn gửi báo cáo: trước ngày {due:%d/%m/%Y}.\n"
            f"Xin xem, hoàn thiện phần đánh giá, đề xuất và ban hành tại: {link}\n"
        ),
        from_email=None,
        recipient_list=emails,
        fail_silently=True,
    )
