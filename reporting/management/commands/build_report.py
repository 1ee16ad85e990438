"""Build a report straight to a file, without the web pages (and for measuring at scale)."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import Plan, Unit
from plans.text import fold
from reporting.data import build_for
from reporting.excel import render_xlsx
from reporting.narrative import (
    Document,
    default_assessment,
    default_proposals,
    default_recipients,
    default_signer,
    organisation_defaults,
)
from reporting.pdf import render_pdf
from reporting.periods import PeriodError, PeriodKind
from tasks.punctuality import local_today


def find_unit(name: str) -> Unit:
    """A unit by its name, short name or an alias, written with or without accents."""
    wanted = fold(name)
    matches = [unit for unit in Unit.objects.all() if wanted in unit.spellings()]
    if len(matches) != 1:
        found = ", ".join(unit.name for unit in matches) or "không có"
        raise CommandError(f"Cần đúng một đơn vị “{name}”; tìm thấy: {found}.")
    return matches[0]


def find_plan(wanted: str) -> Plan:
    """A plan by its id, its internal code (slug) or its number ("83/KH-UBND"); a number
    several plans share ("/KH-SKHCN", not yet numbered) lists them with their ids."""
    wanted = wanted.strip()
    if wanted.isdigit() and (plan := Plan.objects.filter(pk=int(wanted)).first()):
        return plan
    if plan := Plan.objects.filter(slug=wanted).first():
        return plan
    plans = list(Plan.objects.filter(number__iexact=wanted).order_by("pk"))
    if len(plans) == 1:
        return plans[0]
    if not plans:
        raise CommandError(f"Không tìm thấy kế hoạch “{wanted}” (theo mã số, mã nội bộ hoặc số).")
    found = "; ".join(f"{p.pk} ({p.slug}): {p.display_name} – {p.title[:60]}" for p in plans)
    raise CommandError(
        f"Có {len(plans)} kế hoạch số “{wanted}”; chọn theo mã số hoặc mã nội bộ: {found}."
    )


class Command(BaseCommand):
    help = "Lập báo cáo định kỳ ra tệp PDF hoặc Excel."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=PeriodKind.values)
        parser.add_argument(
            "--period",
            required=True,
            help="2026-06, 2026-Q2, 2026-H1, 2026, 2026-W23, 2026-9M, 2026-01-01..2026-06-14, "
            "hoặc số thứ tự giai đoạn (với --plan)",
        )
        parser.add_argument("--unit", help="Tên đơn vị (có hoặc không dấu)")
        parser.add_argument(
            "--plan", help="Kế hoạch: mã số (id), mã nội bộ (slug) hoặc số, ví dụ 83/KH-UBND"
        )
        parser.add_argument(
            "--other-bodies",
            action="store_true",
            help="Gồm cả nhiệm vụ do cơ quan khác chủ trì trong các kế hoạch Sở theo dõi",
        )
        parser.add_argument(
            "--calendar", action="store_true", help="Kỳ dương lịch, không chốt 14/15"
        )
        parser.add_argument("--format", required=True, choices=["pdf", "xlsx", "json"])
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--today", help="Ngày tính số liệu (YYYY-MM-DD); mặc định hôm nay")

    def handle(self, *args, kind, period, unit, plan, calendar, format, output, today, **options):
        try:
            day = date.fromisoformat(today) if today else local_today()
        except ValueError as error:
            raise CommandError(f"Ngày “{today}” không đúng dạng YYYY-MM-DD.") from error
        started = time.perf_counter()
        try:
            with CaptureQueriesContext(connection) as queries:
                unit = find_unit(unit) if unit else None
                data = build_for(
                    kind=kind,
                    code=period,
                    today=day,
                    cutoff=not calendar,
                    unit=unit,
                    plan=find_plan(plan) if plan else None,
                    other_bodies=options["other_bodies"],
                )
        except PeriodError as error:
            raise CommandError(str(error)) from error
        built = time.perf_counter()
        if format == "json":
            content = json.dumps(data.export(), ensure_ascii=False, indent=1).encode()
            output.write_bytes(content)
            self.stdout.write(f"{output}: {len(content):,} bytes; {data.figures.total} tasks due")
            return
        signer_title, signer_name = default_signer(None, unit)
        document = Document(
            **organisation_defaults(unit),
            year=data.period.end.year,
            signer_title=signer_title,
            signer_name=signer_name,
            recipients=default_recipients(unit),
            assessment=default_assessment(data),
            proposals=default_proposals(data),
        )
        content = render_pdf(data, document) if format == "pdf" else render_xlsx(data, document)
        output.write_bytes(content)
        done = time.perf_counter()
        self.stdout.write(
            f"{output}: {len(content):,} bytes; {data.figures.total} tasks due, "
            f"{len(data.late_tasks)} late, {len(data.units)} units; "
            f"data {built - started:.1f} s ({len(queries)} queries), "
            f"{format} {done - built:.1f} s"
        )
