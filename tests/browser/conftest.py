"""Browser tests: Playwright drives Debian's Chromium against the live test server.

They skip where /usr/bin/chromium is missing, and fail instead in CI (`apt-get install chromium`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = Path("/usr/bin/chromium")
# The live server runs in a thread beside Playwright's event loop: Django must allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "viewport": {"width": 1366, "height": 900}}
