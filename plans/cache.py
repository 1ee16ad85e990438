"""The cache, which only saves work.

Reads and writes that survive an outage: with Redis down, a page computes what it would have
read (the dashboard's figures, the task list's rows) and does not wait on a dead server each
time. The log gets one warning per outage rather than a traceback per request.

And one version for the reference data — plans, units and people — under which pages keep what
they derive from it: the task list's rows (tasks.list_rows), the choices of its selects and the
unit tree. Any save or deletion of a plan, unit or person moves it (signals, plans.apps); a
login, which only stamps `last_login`, does not. The other processes see the move within
`REFERENCE_TRUSTED_SECONDS`. What a bulk write creates (the data generator)
moves it by calling `reference_changed` itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)  # the server down, unreachable or too slow
# After a failure the cache is left alone this long before it is tried again.
CACHE_RETRY_SECONDS = 30
_cache_down_until = 0.0

REFERENCE_KEY = "reference-version"
# What draws and derives the kept values: a new release never reads what an old one kept.
RELEASE_FILES = (".py", ".html", ".mo")
NOT_RELEASED = {".venv", "node_modules", "staticfiles", "media", "tests", ".git"}
REFERENCE_SECONDS = 3600


def cache_get_many(keys: list[str]) -> dict:
    """What the cache holds of `keys`; nothing when it fails (the caller then computes)."""
    if not keys or time.monotonic() < _cache_down_until:
        return {}
    try:
        found = cache.get_many(keys)
    except CACHE_ERRORS as error:
        _cache_failed(error)
        return {}
    _cache_works()
    return found


def cache_set_many(values: dict, seconds: int) -> None:
    """Keep `values` for next time, if the cache answers."""
    if not values or time.monotonic() < _cache_down_until:
        return
    try:
        cache.set_many(values, seconds)
    except CACHE_ERRORS as error:
        _cache_failed(error)


def _cache_failed(error: Exception) -> None:
    global _cache_down_until
    if not _cache_down_until:
        log.warning(
            "Cache unavailable (%s: %s): pages compute what they need without it",
            type(error).__name__,
            error,
        )
    _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS


def _cache_works() -> None:
    global _cache_down_until
    if _cache_down_until:
        log.info("Cache available again")
        _cache_down_until = 0.0


# The version as this process last read or set it, and until when it is trusted: a page asks
# for it several times, and another process's change is seen within this delay.
REFERENCE_TRUSTED_SECONDS = 2.0
_reference = ("", 0.0)


def new_version(key: str) -> str:
    """Store a new random version under `key` (kept until replaced) and return it."""
    version = uuid.uuid4().hex[:12]
    cache_set_many({key: version}, None)
    return version


def reference_version() -> str:
    """The current version of plans, units and people (with the cache down, a new one each
    time: nothing is kept under it)."""
    global _reference
    version, until = _reference
    if time.monotonic() < until:
        return version
    version = cache_get_many([REFERENCE_KEY]).get(REFERENCE_KEY) or new_version(REFERENCE_KEY)
    _reference = (version, time.monotonic() + REFERENCE_TRUSTED_SECONDS)
    return version


def reference_changed(update_fields=None, **_kwargs) -> None:
    global _reference
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _reference = (new_version(REFERENCE_KEY), time.monotonic() + REFERENCE_TRUSTED_SECONDS)


@once
def release() -> str:
    """A digest of the portal's code, templates and compiled catalogues (read once a process)."""
    digest = hashlib.blake2b(digest_size=6)
    for folder, subfolders, files in os.walk(settings.BASE_DIR):
        subfolders[:] = sorted(d for d in subfolders if d not in NOT_RELEASED)
        for name in sorted(files):
            if name.endswith(RELEASE_FILES):
                path = Path(folder, name)
                digest.update(name.encode() + path.read_bytes())
    return digest.hexdigest()


def cached(key: str, compute, seconds: int):
    """What the cache holds under `key`, else `compute()`, kept for `seconds`."""
    found = cache_get_many([key])
    if key in found:
        return found[key]
    value = compute()
    cache_set_many({key: value}, seconds)
    return value


def kept(name: str, compute):
    """`compute()`, kept under the reference version and the release: computed again once any
    plan, unit or person changes (and at least hourly), after a new release, or when the cache
    is down."""
    return cached(f"reference:{release()}:{reference_version()}:{name}", compute, REFERENCE_SECONDS)
