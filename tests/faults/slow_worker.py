"""A real Celery worker for the fault tests, whose first PDF render stops midway so that the
test can kill it mid-build: that run writes its process id to FAULT_MARKER and waits; any
later run (the requeued job, or "Tạo lại") renders at once.

    python -m tests.faults.slow_worker   (DJANGO_SETTINGS_MODULE=tests.faults.worker_settings)
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import django


def main() -> None:
    django.setup()
    from config.celery_app import app
    from reporting import services

    marker = Path(os.environ["FAULT_MARKER"])
    render_pdf = services.render_pdf

    def render_pdf_midway(*args, **kwargs):
        if not marker.exists():
            written = marker.with_suffix(".tmp")
            written.write_text(str(os.getpid()))
            written.rename(marker)
            time.sleep(60)
        return render_pdf(*args, **kwargs)

    services.render_pdf = render_pdf_midway
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname=faults-{os.getpid()}@%h",
        ]
    )


if __name__ == "__main__":
    main()
