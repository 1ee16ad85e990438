"""`python manage.py scan_alerts [--now 2026-12-01T07:00] [--dry-run]`: the scan job's code, by
hand, printing one line per warning created."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from tasks import early_warnings
from tasks.models import Occurrence, Task, WarningRule


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Thời điểm không hợp lệ: {value} (dạng 2026-12-01T07:00)") from error
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Quét cảnh báo sớm (như công việc chạy mỗi 15 phút) và in các cảnh báo mới."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", type=_moment, help="Thời điểm coi là bây giờ, giờ Việt Nam (2026-12-01T07:00)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ in, không tạo cảnh báo, không gửi."
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        now = now or timezone.now()
        found = early_warnings.create_alerts(now=now, dry_run=dry_run)
        tasks = Task.objects.select_related("lead_unit").in_bulk({f.item.task_id for f in found})
        periods = Occurrence.objects.in_bulk(
            {f.item.occurrence_id for f in found if f.item.occurrence_id}
        )
        people = User.objects.in_bulk({pk for f in found for pk in f.recipient_ids})
        for f in sorted(found, key=_order):
            task = tasks[f.item.task_id]
            period = periods.get(f.item.occurrence_id)
            unit = task.lead_unit.display_name if task.lead_unit else task.lead_as_written
            names = ", ".join(str(people[pk]) for pk in f.recipient_ids) or "(không có người nhận)"
            label = WarningRule(f.finding.rule).label
            if f.finding.rule == WarningRule.OVERDUE:
                label = f"{label} (mức {f.finding.threshold})"
            elif f.finding.rule in (WarningRule.DUE_SOON, WarningRule.REPORT_DUE):
                label = f"{label} ({f.finding.threshold} ngày)"
            what = f"{task.content[:70]}" + (f" — kỳ {period.label}" if period else "")
            self.stdout.write(f"{label} | #{task.pk} {what} | {unit or '?'} | {names}")
        counts: dict[str, int] = {}
        for f in found:
            counts[f.finding.rule] = counts.get(f.finding.rule, 0) + 1
        summary = ", ".join(f"{WarningRule(rule).label}: {n}" for rule, n in sorted(counts.items()))
        verb = "Sẽ tạo" if dry_run else "Đã tạo"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(found)} cảnh báo ({summary or 'không có'}) lúc "
                f"{timezone.localtime(now):%d/%m/%Y %H:%M}."
            )
        )


def _order(found) -> tuple:
    rules = list(WarningRule.values)
    return (rules.index(found.finding.rule), found.item.task_id, found.item.occurrence_id or 0)
