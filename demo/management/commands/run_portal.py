"""The README's first command, after install: the portal on the embedded default."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tasks.jobs import scan_early_warnings


class Command(BaseCommand):
    help = (
        "Chạy cổng trên cấu hình nhúng: tạo CSDL, nạp dữ liệu mẫu, "
        "chạy hàng đợi công việc và máy chủ web."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-jobs", action="store_true", help="Không chạy Celery worker/beat.")

    def handle(self, *args, host, port, no_jobs, **options):
        # The folder queue first: loading the demo already queues notices of its decisions.
        broker = settings.CELERY_BROKER_DIR
        for folder in ("processed", "control"):
            (broker / folder).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo")
        # The first scan now rather than at the first beat, 15 minutes on: the bell shows what
        # the dashboard shows. Its e-mails are queued for the worker, which prints them here.
        found = scan_early_warnings()
        self.stdout.write(f"\nQuét cảnh báo sớm: {found} cảnh báo mới (thư in ra màn hình này).")
        # `kill` (SIGTERM) stops the worker and beat too, as Ctrl+C does: without a handler
        # Python would exit at once, skipping the `finally` below.
        signal.signal(signal.SIGTERM, _stop)
        workers = [] if no_jobs else self._start_jobs()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nCổng 6 rõ đang chạy tại: http://{host}:{port}/  (Ctrl+C để dừng; "
                "cổng khác: make run PORT=8080)\n"
            )
        )
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            for process in workers:
                process.terminate()
            for process in workers:
                process.wait(timeout=10)

    def _start_jobs(self) -> list[subprocess.Popen]:
        """A Celery worker and beat; without REDIS_URL they use a folder as broker (no server)."""
        broker = settings.CELERY_BROKER_DIR
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        log_level = ["--loglevel", "WARNING"]
        return [
            subprocess.Popen(
                [*celery, "worker", "--pool", "solo", "--concurrency", "1", *log_level]
            ),
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--schedule",
                    str(broker.parent / "celerybeat-schedule"),
                    *log_level,
                ]
            ),
        ]


def _stop(signum, frame):
    raise SystemExit(0)
