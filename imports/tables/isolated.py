"""Reading an upload in a child process with its own memory and time limits.

The readers bound what they read, but they stand on libraries (openpyxl, python-docx, lxml)
whose every corner no one can vouch for. The child gets a ceiling on its address space and its
CPU time: whatever a file does, it can only end the child, never the web or job worker.

Run as `python -m imports.tables.isolated FILENAME SHEET MEMORY_MB SECONDS` with the file on
stdin; it prints {"table": …} or {"error": "…"} as JSON, and its peak memory.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from imports.tables.cells import NoHeader, ReadTable, TableError

log = logging.getLogger(__name__)
_PROJECT = Path(__file__).resolve().parents[2]
_TOO_HEAVY = (
    "Tệp quá lớn hoặc quá phức tạp để đọc (vượt giới hạn {what} khi đọc). Hãy chép riêng bảng "
    "phân công sang một tệp mới, hoặc dán bảng vào ô văn bản."
)


@dataclass
class Reading:
    table: ReadTable
    seconds: float  # wall time, the child's start included
    cpu_seconds: float  # the child's own CPU time: what the file cost, however busy the machine
    peak_mb: float


def wall_seconds(cpu_seconds: int) -> int:
    """How long a reading with this CPU limit may take on a busy machine before it is stopped."""
    return 2 * cpu_seconds + 5


def read_isolated(
    filename: str, data: bytes, *, sheet: str | None, memory_mb: int, seconds: int
) -> Reading:
    """`read_upload` in a child process; only ever raises TableError."""
    command = [
        sys.executable,
        "-m",
        "imports.tables.isolated",
        filename,
        sheet or "",
        str(memory_mb),
        str(seconds),
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=wall_seconds(seconds), cwd=_PROJECT
        )
    except subprocess.TimeoutExpired as error:
        raise TableError(_TOO_HEAVY.format(what="thời gian")) from error
    elapsed = time.monotonic() - started
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = None
    if done.returncode != 0 or not isinstance(result, dict):
        # Killed by its limits (SIGKILL for CPU, MemoryError that could not even be reported).
        log.warning(
            "Reading %r ended with code %s after %.1fs: %s",
            filename,
            done.returncode,
            elapsed,
            done.stderr[-2000:].decode(errors="replace"),
        )
        raise TableError(_TOO_HEAVY.format(what="bộ nhớ hoặc thời gian"))
    peak, cpu = result.get("peak_kb", 0) / 1024, result.get("cpu_seconds", 0.0)
    log.info("Read %r in %.1fs (CPU %.1fs), peak %.0f MB", filename, elapsed, cpu, peak)
    if "error" in result and "table" in result:
        raise NoHeader(result["error"], table=ReadTable.from_json(result["table"]))
    if "error" in result:
        raise TableError(result["error"])
    table = ReadTable.from_json(result["table"])
    return Reading(table=table, seconds=elapsed, cpu_seconds=cpu, peak_mb=peak)


def _limit(memory_mb: int, seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _peak_kb() -> int:
    """The peak resident memory of this process since its exec (ru_maxrss would count what it
    shared with its parent before the exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> None:
    filename, sheet, memory_mb, seconds = argv
    _limit(int(memory_mb), int(seconds))
    # The readers speak Vietnamese through Django's translation machinery, which needs the
    # settings (the parent's DJANGO_SETTINGS_MODULE is inherited). No database is touched.
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from imports.tables.uploads import read_upload

    data = sys.stdin.buffer.read()
    try:
        result = {"table": read_upload(filename, data, sheet=sheet or None).to_json()}
    except NoHeader as error:  # the rows travel too, for the mapping step
        result = {"error": str(error), "table": error.table.to_json()}
    except TableError as error:
        result = {"error": str(error)}
    except MemoryError:
        result = {"error": _TOO_HEAVY.format(what="bộ nhớ")}
    result["peak_kb"] = _peak_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
