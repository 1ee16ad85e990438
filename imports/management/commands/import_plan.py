"""Import a plan's task table from a file, as the browser import does."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from imports.importing import (
    Understanding,
    add_footnotes,
    preview_changes,
    save_rows,
    understand,
)
from imports.tables import MAX_BYTES, ReadTable, TableError
from imports.tables.cells import NoHeader
from imports.tables.choice import CHOICE_NAMES, ColumnChoice
from imports.tables.grid import reread
from imports.tables.isolated import read_isolated
from plans.models import Plan
from tasks.punctuality import local_today


class Command(BaseCommand):
    help = (
        "Nhập bảng phân công nhiệm vụ của một kế hoạch từ tệp .xlsx, .docx, .csv hoặc văn bản "
        "(dán từ Word/PDF). Nhập lại cùng bảng sẽ cập nhật, không tạo trùng."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--plan-number", help="Số kế hoạch đã có, ví dụ 83/KH-UBND.")
        parser.add_argument("--title", help="Trích yếu, khi tạo kế hoạch mới.")
        parser.add_argument("--issuing-body", help="Cơ quan ban hành, khi tạo kế hoạch mới.")
        parser.add_argument("--date", type=date.fromisoformat, help="Ngày ban hành (YYYY-MM-DD).")
        parser.add_argument(
            "--sheet", help="Trang tính cần đọc (tệp Excel); mặc định: trang đầu tiên có bảng."
        )
        parser.add_argument("--dry-run", action="store_true", help="Chỉ xem trước, không ghi gì.")
        parser.add_argument("--json", action="store_true", help="In các dòng đã hiểu (JSON).")
        parser.add_argument(
            "--columns",
            help="Các cột chọn bằng tay, ví dụ: \"task=Tên chương trình;lead=Cơ quan thực hiện;"
            "deadline=Thời điểm hoàn thành\". Bên phải là tiêu đề như trong bảng, số thứ tự cột "
            f"(1, 2…) hoặc chữ cột Excel (A, B…). Bên trái: {', '.join(CHOICE_NAMES)}.",
        )
        parser.add_argument(
            "--header-row",
            type=int,
            help="Dòng tiêu đề (số dòng trong tệp); 0 khi bảng không có dòng tiêu đề.",
        )

    def handle(self, *args, **options):
        file: Path = options["file"]
        choice = column_choice(options["columns"], options["header_row"])
        try:
            try:
                table = read_file(file, sheet=options["sheet"])
            except NoHeader as error:
                if choice is None:
                    raise
                table = error.table  # no header found: the clerk's columns say what is what
            if choice is not None:  # the clerk's columns, over the rows the reader kept
                table = reread(table.grid, choice)
        except OSError as error:
            raise CommandError(f"Không mở được tệp {file}: {error.strerror}.") from error
        except TableError as error:
            raise CommandError(str(error)) from error

        plan = find_or_new_plan(options, file=file)
        writing = not (options["dry_run"] or options["json"])
        if plan.pk is None and writing and not (options["title"] and options["issuing_body"]):
            raise CommandError(
                "Chưa có kế hoạch này trong hệ thống: cho biết --title và --issuing-body "
                "để tạo mới, hoặc --plan-number của một kế hoạch đã có."
            )
        understanding = understand(
            table, plan_reference=plan.reference_date, issuing_unit=plan.issuing_unit
        )
        if options["json"]:
            self.stdout.write(json.dumps(as_json(understanding), ensure_ascii=False, indent=2))
            return
        self._report_warnings(understanding)
        rows, today = len(understanding.rows), local_today()
        if not writing and plan.pk is None:
            self.stdout.write(f"Xem trước: {rows} dòng nhiệm vụ cho một kế hoạch mới.")
            return
        if writing:
            with transaction.atomic():
                add_footnotes(plan, table.footnotes)
                plan.save()
                result = save_rows(plan=plan, understanding=understanding, today=today)
            verb = "Đã nhập"
        else:
            result = preview_changes(plan=plan, understanding=understanding, today=today)
            verb = "Xem trước"
        self.stdout.write(
            f"{verb}: {rows} dòng; {result.created} nhiệm vụ mới, {result.updated} cập nhật, "
            f"{result.unchanged} không đổi."
        )
        for change in result.changes:
            self.stdout.write(f"  {change}")
        for missing in result.not_in_table:
            self.stdout.write(self.style.WARNING(f"  Không còn trong bảng (giữ nguyên): {missing}"))

    def _report_warnings(self, understanding: Understanding) -> None:
        for problem in understanding.problems:
            self.stdout.write(self.style.WARNING(f"Dòng {problem.line}: {problem.message}"))
        for row in understanding.rows:
            for warning in row.warnings:
                self.stdout.write(self.style.WARNING(f"STT {row.key}: {warning}"))


def column_choice(columns: str | None, header_row: int | None) -> ColumnChoice | None:
    """--columns "task=Tên chương trình;lead=C" and --header-row N as the reader's choice."""
    if columns is None and header_row is None:
        return None
    names: dict[str, str] = {}
    for part in (columns or "").split(";"):
        if not part.strip():
            continue
        what, _sep, where = part.partition("=")
        value = CHOICE_NAMES.get(what.strip().lower())
        if value is None or not where.strip():
            raise CommandError(
                f"--columns: không hiểu «{part.strip()}». Viết loại=cột, loại là một trong: "
                f"{', '.join(CHOICE_NAMES)}."
            )
        if where.strip() in names:
            raise CommandError(f"--columns: cột «{where.strip()}» được chọn hai lần.")
        names[where.strip()] = value
    if header_row is not None and header_row < 0:
        raise CommandError("--header-row phải là số dòng (0 khi không có dòng tiêu đề).")
    return ColumnChoice(names=names, header_line=header_row)


def read_file(file: Path, *, sheet: str | None) -> ReadTable:
    """Read as the browser import does: in a child process with its own limits."""
    if file.stat().st_size > MAX_BYTES:
        size = file.stat().st_size / (1024 * 1024)
        raise TableError(f"Tệp quá lớn ({size:.1f} MB); chỉ nhận tệp tối đa 10 MB.")
    return read_isolated(
        file.name,
        file.read_bytes(),
        sheet=sheet,
        memory_mb=settings.IMPORT_READ_MEMORY_MB,
        seconds=settings.IMPORT_READ_SECONDS,
    ).table


def find_or_new_plan(options: dict, *, file: Path) -> Plan:
    """The existing plan with this number, or a new one (not yet saved)."""
    number, title = options["plan_number"] or "", options["title"] or ""
    found = Plan.objects.filter(number=number).order_by("-pk").first() if number else None
    return found or Plan(
        number=number,
        title=title or file.stem,
        issuing_body=options["issuing_body"] or "",
        issued_on=options["date"],
        slug=slugify(f"{number or file.stem}-{title}")[:100],
    )


def as_json(understanding: Understanding) -> dict:
    return {
        "rows": [row.to_json() for row in understanding.rows],
        "problems": [vars(problem) for problem in understanding.problems],
        "headers": understanding.headers,
    }
