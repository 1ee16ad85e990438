from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from demo.generator import PASSWORD, GenerationError, Spec, generate
from tasks.punctuality import local_today


class Command(BaseCommand):
    help = (
        "Sinh dữ liệu giả lập quy mô lớn (đơn vị, người dùng, kế hoạch, nhiệm vụ, tiến độ) để đo "
        "hiệu năng. Cùng tham số cho cùng dữ liệu; --clear xóa dữ liệu đã sinh trước đó."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=500, help="Số đơn vị (mặc định 500).")
        parser.add_argument("--plans", type=int, default=200, help="Số kế hoạch (mặc định 200).")
        parser.add_argument(
            "--tasks",
            type=int,
            default=100_000,
            help="Tổng số nhiệm vụ, kể cả dòng giao cho tất cả đơn vị (mặc định 100000).",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today", type=date.fromisoformat, help="Ngày coi là hôm nay (YYYY-MM-DD)."
        )
        parser.add_argument("--users-per-unit", type=int, default=4)
        parser.add_argument("--clear", action="store_true", help="Xóa dữ liệu đã sinh trước.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            spec = Spec(
                units=options["units"],
                plans=options["plans"],
                tasks=options["tasks"],
                seed=options["seed"],
                today=options["today"] or local_today(),
                users_per_unit=options["users_per_unit"],
            )
            summary = generate(spec, clear=options["clear"])
        except GenerationError as problem:
            raise CommandError(str(problem)) from problem
        elapsed = time.perf_counter() - started
        if options["clear"]:
            self.stdout.write(f"Đã xóa dữ liệu sinh trước đó ({summary.cleared_tasks} nhiệm vụ).")
        self.stdout.write(
            f"Đã sinh dữ liệu (seed {spec.seed}, hôm nay {spec.today:%d/%m/%Y}) "
            f"trong {elapsed:.1f} giây:\n"
            f"  {summary.units} đơn vị, {summary.users} người dùng "
            f"(mật khẩu chung: {PASSWORD})\n"
            f"  {summary.plans} kế hoạch, {summary.phases} giai đoạn, {summary.targets} chỉ tiêu\n"
            f"  {summary.tasks} nhiệm vụ ({summary.tracked} được theo dõi, "
            f"{summary.fan_out_rows} dòng giao cho tất cả đơn vị), "
            f"{summary.coordinations} lượt phối hợp\n"
            f"  {summary.occurrences} kỳ thực hiện, {summary.updates} cập nhật tiến độ, "
            f"{summary.deadline_changes} đề nghị điều chỉnh thời hạn"
        )
