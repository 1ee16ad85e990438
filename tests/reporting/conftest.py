from __future__ import annotations

import shutil
from datetime import date

import pytest

from demo.loader import load_demo

DEMO_TODAY = date(2026, 11, 22)


@pytest.fixture
def demo(db):
    return load_demo(today=DEMO_TODAY)


@pytest.fixture
def pdftotext():
    from tests.conftest import require_service

    path = shutil.which("pdftotext")
    require_service(path is not None, "pdftotext (apt: poppler-utils)")
    return path
