"""A large set-based write split over several database connections, so that PostgreSQL writes
with more than one core.

One transaction is served by one PostgreSQL backend, on one core: inserting the rows,
maintaining the indexes, and at commit checking every foreign key, row by row. The first
early-warning scan after a deployment writes ~235,000 rows at 100,000 tasks and was bound by
that one core. Split into ranges of a key holding about as many rows each, each part runs in
its own thread, connection and transaction: the parts write side by side, and the Python of
one overlaps the database work of another.

A job is a read and a write, in one transaction per part. The read must not write: a part
waiting for the others to read would hold its rows' locks. Every part reads before any part
writes: a part reading while another writes would wade through rows not yet committed (the
scan's "not stored yet" conditions did, and one part took 6 s instead of 1). A part that fails
to read stops them all; one that fails to write leaves the others' rows committed. So only a
job that a rerun completes may be split (the scan is: it creates only what is not stored yet).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import Q, QuerySet

R = TypeVar("R")
T = TypeVar("T")

# How long a part that has read waits for the others before it gives up (and so all do).
PATIENCE_SECONDS = 300


@dataclass(frozen=True)
class Part:
    """The rows whose key is from `start` (included) to `end` (excluded); None: no bound. A
    range, not `key % count`: the planner estimates a range from its statistics, where it takes
    a modulo to keep 0.5 % of the rows and picks a plan 20 times slower for the scan."""

    start: int | None = None
    end: int | None = None

    def of(self, key: str) -> Q:
        """The condition on an integer `key` ("pk", "task_id") that keeps this part's rows."""
        bounds = {f"{key}__gte": self.start, f"{key}__lt": self.end}
        return Q(**{lookup: value for lookup, value in bounds.items() if value is not None})


WHOLE = Part()


def split(keys: QuerySet, count: int) -> list[Part]:
    """`count` ranges holding about as many of `keys` (a flat values_list of one integer
    column) each: `count` queries, each an index scan."""
    total = keys.count()
    if count <= 1 or total < count:
        return [WHOLE]
    ordered = keys.order_by(keys.query.values_select[0])
    # Rows may go between the count and the bounds: a bound past the end (None) is left out.
    found = (ordered[total * n // count :].first() for n in range(1, count))
    bounds = sorted({bound for bound in found if bound is not None})
    return [Part(start, end) for start, end in zip([None, *bounds], [*bounds, None], strict=True)]


def run_in_parts(
    read: Callable[[Part], R],
    write: Callable[[R], list[T]],
    *,
    keys: QuerySet,
    count: int,
) -> list[T]:
    """`write(read(part))` in one transaction for each of `count` parts of `keys` (see
    `split`), side by side, each in a thread with its own connection; every part has read
    before any writes. Returns the writes' results joined in the parts' order. It runs whole
    here instead inside a transaction (another connection would not see the caller's rows) and
    on SQLite (one writer at a time)."""
    if count <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            return write(read(WHOLE))
    parts = split(keys, count)
    all_read = threading.Barrier(len(parts), timeout=PATIENCE_SECONDS)

    def run(part: Part) -> list[T]:
        try:
            with transaction.atomic():
                found = read(part)
                all_read.wait()
                return write(found)
        except BaseException:
            all_read.abort()  # the parts still waiting to write give up
            raise
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="part") as pool:
        futures = [pool.submit(run, part) for part in parts]
    failures = [f.exception() for f in futures if f.exception() is not None]
    # The failure itself, not the others' giving up because of it.
    for failure in failures:
        if not isinstance(failure, threading.BrokenBarrierError):
            raise failure
    if failures:
        raise TimeoutError(
            f"Một phần của lượt quét chờ các phần khác đọc xong quá {PATIENCE_SECONDS} giây"
        ) from failures[0]
    return [item for future in futures for item in future.result()]
