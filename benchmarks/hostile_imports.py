"""Time and peak memory of every hostile upload (tests/imports/hostile_files.py), read through
the command and through the browser's upload path.

    DEBUG=true DATABASE_URL=postgres://…/db .venv/bin/python benchmarks/hostile_imports.py

- command: `manage.py import_plan FILE --dry-run` in a process of its own; the wall time, and
  the peak memory of the child process that reads the file (VmHWM, as it reports it).
- browser: the upload POSTed to the start page (Django's test client, in this process), then
  the job's function run as the worker runs it; the wall time from the POST to the draft ready
  or failed, the reading child's peak, and how much this process (the "web worker") grew.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from imports import drafts  # noqa: E402
from imports.models import ImportDraft  # noqa: E402
from tests.imports.hostile_files import HOSTILE  # noqa: E402

PEAK = re.compile(r"in ([\d.]+)s \(CPU ([\d.]+)s\), peak (\d+) MB")


def outcome(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < 90 else text[:89] + "…"


def through_command(path: Path) -> tuple[float, str, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "INFO"},
    )
    elapsed = time.monotonic() - started
    read = PEAK.search(done.stderr)
    said = done.stdout.strip().splitlines()[-1:] or done.stderr.strip().splitlines()[-1:]
    return elapsed, read.groups() if read else ("—",) * 3, outcome(said[0] if said else "")


class PeakLog:
    """Catches the reader's "peak N MB" log line."""

    def __init__(self) -> None:
        import logging

        self.read = ("—",) * 3
        handler = logging.Handler()
        handler.emit = self.emit
        logging.getLogger("imports.tables.isolated").addHandler(handler)

    def emit(self, record) -> None:
        found = PEAK.search(record.getMessage())
        if found:
            self.read = found.groups()


def through_browser(client: Client, name: str, data: bytes, log: PeakLog) -> tuple:
    log.read = ("—",) * 3
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    client.post(
        reverse("imports:import_start"),
        {
            "title": "Thử tệp độc hại",
            "issuing_body": "Sở",
            "kind": "ke_hoach",
            "file": SimpleUploadedFile(name, data),
        },
    )
    posted = time.monotonic() - started
    draft = ImportDraft.objects.order_by("-pk").first()
    if draft is not None and draft.state == "reading":
        drafts.read_draft(draft_id=draft.pk, now=timezone.now())
        draft.refresh_from_db()
    elapsed = time.monotonic() - started
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
    if draft is None:
        said = "refused on the form"
    elif draft.state == "ready":
        said = f"ready: {len(draft.rows)} rows"
    else:
        said = f"failed: {draft.error}"
    return posted, elapsed, log.read, grew, outcome(said)


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(
        username="bench-hostile", defaults={"role": Role.OFFICE, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    log = PeakLog()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, (name, build) in HOSTILE.items():
            data = build()
            path = Path(folder) / name
            path.write_bytes(data)
            command = through_command(path)
            browser = through_browser(client, name, data, log)
            rows.append((label, len(data), command, browser))
            print(label, command, browser, flush=True)
    drafts.discard_drafts(ImportDraft.objects.filter(created_by=user))
    print()
    print(
        "| file | size | command: wall | reading: wall / CPU | reader peak | outcome | "
        "browser: POST | browser: POST→settled | reading: wall / CPU | reader peak | "
        "web process grew |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for label, size, command, browser in rows:
        c_time, (c_wall, c_cpu, c_peak), c_said = command
        posted, settled, (b_wall, b_cpu, b_peak), grew, b_said = browser
        print(
            f"| {label} | {size / 1024:.0f} KB | {c_time:.1f} s | {c_wall} / {c_cpu} s | "
            f"{c_peak} MB | {b_said} | {posted:.2f} s | {settled:.1f} s | {b_wall} / {b_cpu} s | "
            f"{b_peak} MB | {grew} MB |"
        )


if __name__ == "__main__":
    main()
