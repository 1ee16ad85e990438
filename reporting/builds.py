"""The life of a build of a report's files, so that no report stays "Đang tạo tệp" forever.

- A request to generate claims the report (state GENERATING, a new `attempt`) and queues the job
  once the transaction commits. A broker that is down fails the build at once, with a message,
  and the report can be generated again from its page.
- The job claims a run of its build, beats a heartbeat while it works (from a thread, so that a
  long render still beats), and writes its result only if its build is still the current one.
- The sweep (every minute) fails the builds whose heartbeat stopped (the worker was killed) and
  those no worker picked up.

The job is acknowledged late and requeued when its worker dies: a build can run twice, so every
write here is a conditional UPDATE on (report, state GENERATING, attempt).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from reporting.models import Report, ReportState

logger = logging.getLogger(__name__)

# A build whose worker dies this many times (e.g. killed for memory each time) is failed, not
# requeued again.
MAX_RUNS = 3


class Superseded(Exception):
    """The build this job was making is no longer current: swept as stalled, or replaced."""


def _current(report_id: int, attempt: int) -> QuerySet:
    return Report.objects.filter(pk=report_id, state=ReportState.GENERATING, attempt=attempt)


def enqueue(*, report_id: int, attempt: int) -> bool:
    """Queue the job of a build (run on commit). A broker that is down fails the build at once:
    the report is retryable and says why, instead of a 500 and a build no job will ever make."""
    from reporting.jobs import generate_report

    try:
        generate_report.delay(report_id, attempt)
    except OperationalError as error:
        logger.warning("Report %s: the job could not be queued (%s)", report_id, error)
        fail(
            report_id=report_id,
            attempt=attempt,
            error=_(
                "Chưa đưa được yêu cầu tạo tệp vào hàng đợi: máy chủ hàng đợi không phản hồi. "
                "Xin bấm “Tạo lại” sau ít phút."
            ),
        )
        return False
    return True


def claim_run(*, report: Report, attempt: int, now: datetime) -> bool:
    """Start a run of the build `attempt` of `report` (False: nothing to do)."""
    current = _current(report.pk, attempt)
    if current.filter(runs__gte=MAX_RUNS).update(
        state=ReportState.FAILED,
        error=_("Máy xử lý bị dừng %(n)s lần khi đang tạo tệp. Xin bấm “Tạo lại”.")
        % {"n": MAX_RUNS},
    ):
        logger.error("Report %s: build %s stopped after %s runs", report.pk, attempt, MAX_RUNS)
        return False
    if not current.update(runs=F("runs") + 1, started_at=now, heartbeat_at=now):
        return False
    report.refresh_from_db(fields=["state", "attempt", "runs", "started_at", "heartbeat_at"])
    return True


def beat(*, report_id: int, attempt: int, progress: int | None = None) -> None:
    """Record that the build is alive (and how far it is); stop it if it is no longer current."""
    changes = {"heartbeat_at": timezone.now()}
    if progress is not None:
        changes["progress"] = progress
    if not _current(report_id, attempt).update(**changes):
        raise Superseded


class Heartbeat:
    """Beats every `every` seconds from a thread until stopped (rendering a long PDF gives the
    build no chance to beat otherwise). The thread dies with its process: a killed worker's
    build stops beating."""

    def __init__(self, *, report_id: int, attempt: int, every: float | None = None):
        self.report_id, self.attempt = report_id, attempt
        self.every = settings.REPORT_HEARTBEAT_SECONDS if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"report-{report_id}-heartbeat", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        touched = False
        try:
            while not self._stop.wait(self.every):
                touched = True
                beat(report_id=self.report_id, attempt=self.attempt)
        except Superseded:
            pass
        except DatabaseError as error:  # the main thread's next beat, or the sweep, decides
            logger.warning("Report %s: heartbeat failed (%s)", self.report_id, error)
        finally:
            if touched:
                connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self._stop.set()
        # Bounded: a beat waiting on the row lock of an enclosing transaction must not hang the
        # build; a late beat of a finished build matches no row.
        self._thread.join(timeout=5)


def fail(*, report_id: int, attempt: int, error: str) -> bool:
    """Fail the build if it is still the current one. The report keeps `issuing`, so that
    "Tạo lại" makes again what failed (the draft files, or the issued ones)."""
    return bool(_current(report_id, attempt).update(state=ReportState.FAILED, error=error[:1000]))


def sweep_stalled(*, now: datetime) -> list[int]:
    """Fail the builds whose heartbeat stopped, and those no worker picked up; return their ids.

    The rows are locked first, so a build cannot beat or finish in between (one that is
    finishing holds its row and is skipped).
    """
    beat_limit = now - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS)
    queue_limit = now - timedelta(seconds=settings.REPORT_QUEUE_STALE_SECONDS)
    stalled = Q(heartbeat_at__lt=beat_limit)
    never_started = Q(heartbeat_at__isnull=True) & (
        Q(queued_at__lt=queue_limit) | Q(queued_at__isnull=True)
    )
    swept = []
    for condition, error in [
        (stalled, _("Việc tạo tệp bị gián đoạn: máy xử lý ngừng giữa chừng. Xin bấm “Tạo lại”.")),
        (
            never_started,
            _("Chưa có máy xử lý nào nhận việc tạo tệp. Xin bấm “Tạo lại” sau ít phút."),
        ),
    ]:
        with transaction.atomic():
            ids = list(
                Report.objects.select_for_update(skip_locked=True)
                .filter(condition, state=ReportState.GENERATING)
                .values_list("pk", flat=True)
            )
            Report.objects.filter(pk__in=ids).update(state=ReportState.FAILED, error=error)
        if ids:
            logger.warning("Reports %s: build stalled, failed by the sweep", ids)
            swept += ids
    return swept
