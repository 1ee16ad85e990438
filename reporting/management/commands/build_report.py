"""Build a report straight to a file, without the web pages (and for measuring at scale)."""

from __future__ import annotations

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


def find_plan(number: str) -> Plan:
    plans = list(Plan.objects.filter(number__iexact=number.strip()))
    if len(plans) != 1:
        raise CommandError(f"Cần đúng một kế hoạch số “{number}”; tìm thấy {len(plans)}.")
    return plans[0]


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
        parser.add_argument("--plan", help="Số kế hoạch, ví dụ 83/KH-UBND")
        parser.add_argument(
            "--calendar", action="store_true", help="Kỳ dương lịch, không chốt 14/15"
        )
        parser.add_argument("--format", required=True, choices=["pdf", "xlsx"])
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--today", help="Ngày tính số liệu (YYYY-MM-DD); mặc định hôm nay")

    def handle(self, *args, kind, period, unit, plan, calendar, format, output, today, **options):
        day = date.fromisoformat(today) if today else local_today()
        started = time.perf_counter()
        try:
            with CaptureQueriesContext(connection) as queries:
                data = build_for(
                    kind=kind,
                    code=period,
                    today=day,
                    cutoff=not calendar,
                    unit=find_unit(unit) if unit else None,
                    plan=find_plan(plan) if plan else None,
                )
        except PeriodError as error:
            raise CommandError(str(error)) from error
        built = time.perf_counter()
        signer_title, signer_name = default_signer(None)
        document = Document(
            **organisation_defaults(),
            signer_title=signer_title,
            signer_name=signer_name,
            recipients=default_recipients(),
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
