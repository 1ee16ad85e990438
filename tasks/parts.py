"""A large set-based write split over several database connections, so that PostgreSQL writes
with more than one core.

One transaction is served by one PostgreSQL backend, on one core: inserting the rows,
maintaining the indexes, and at commit checking every foreign key, row by row. The first
early-warning scan after a deployment writes ~235,000 rows at 100,000 tasks and was bound by
that one core. Split by `key % count`, each part runs in its own thread, connection and
transaction: the parts write side by side, and the Python of one overlaps the database work of
another.

Each part commits on its own, so a part that fails leaves the others' rows committed: only a
job that a rerun completes may be split (the scan is: it creates only what is not stored yet).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact

T = TypeVar("T")


@dataclass(frozen=True)
class Part:
    index: int
    count: int

    def of(self, key: str) -> Q:
        """The rows of this part: those whose integer `key` is `index` modulo `count`."""
        if self.count == 1:
            return Q()
        return Q(Exact(Mod(key, self.count), self.index))


WHOLE = Part(0, 1)


def run_in_parts(job: Callable[[Part], list[T]], *, count: int) -> list[T]:
    """`job(part)` for each of `count` parts, side by side, each in a thread with its own
    connection; the results joined in the parts' order. It runs `job(WHOLE)` here instead
    inside a transaction (another connection would not see the caller's rows) and on SQLite
    (one writer at a time)."""
    if count <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return job(WHOLE)

    def run(index: int) -> list[T]:
        try:
            return job(Part(index, count))
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="part") as pool:
        return [item for result in pool.map(run, range(count)) for item in result]
