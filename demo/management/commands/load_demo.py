from datetime import date

from django.core.management.base import BaseCommand

from demo.loader import DEMO_PASSWORD, load_demo
from tasks.punctuality import local_today


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu mẫu từ các kế hoạch thật (đơn vị, người dùng, 4 kế hoạch, tiến độ). "
        "Chạy lại không tạo trùng."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, help="Ngày coi là hôm nay (YYYY-MM-DD)."
        )

    def handle(self, *args, today=None, **options):
        summary = load_demo(today=today or local_today())
        self.stdout.write(
            f"Dữ liệu mẫu: {summary.units} đơn vị, {len(summary.users)} người dùng, "
            f"{len(summary.plans)} kế hoạch; {summary.tasks_created} nhiệm vụ mới, "
            f"{summary.updates_recorded} cập nhật tiến độ mới."
        )
        if options["verbosity"] >= 1:
            self.stdout.write(f"\nTài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
            for user in summary.users:
                unit = user.unit.display_name if user.unit else ""
                role = user.get_role_display()
                self.stdout.write(
                    f"  {user.username:<14} {role:<14} {user.full_name}, {user.title} — {unit}"
                )
