"""Every page of a report within the margins of Nghị định 30/2020/NĐ-CP, read from the word
positions in the PDF (`pdftotext -bbox`), portrait body and landscape appendices alike."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date

import pytest

from reporting.data import build_for
from reporting.narrative import Document, organisation_defaults
from reporting.pdf import render_pdf
from tasks.services import record_progress
from tests.factories import TaskFactory, UnitFactory, UserFactory
from tests.reporting.conftest import DEMO_TODAY

MM = 72 / 25.4  # points per millimetre
# (top, right, bottom, left) in mm. A landscape page is bound along its top edge.
PORTRAIT = (20, 15, 20, 30)
LANDSCAPE = (30, 20, 15, 20)
# Only the page number and the draft mark live in the top margin.
HEADER_WORDS = re.compile(r"^(\d+|DỰ|THẢO)$")


@dataclass
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]

    @property
    def landscape(self) -> bool:
        return self.width > self.height


@pytest.fixture
def pdftotext_bbox():
    from tests.conftest import require_service

    path = shutil.which("pdftotext")
    require_service(path is not None, "pdftotext (apt: poppler-utils)")
    return path


def read_pages(pdf: bytes, pdftotext: str, tmp_path) -> list[Page]:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        [pdftotext, "-bbox", str(source), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = []
    for number, (width, height, body) in enumerate(
        re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S), start=1
    ):
        words = [
            Word(text, *map(float, box))
            for *box, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"(.*?)</word>",
                body,
            )
        ]
        pages.append(Page(number, float(width), float(height), words))
    return pages


def margins_used(page: Page) -> tuple[float, float, float, float]:
    """The distance in mm from each edge (top, right, bottom, left) to the nearest word of the
    page's text, the header words in the top margin aside."""
    body = [w for w in page.words if not HEADER_WORDS.match(w.text)]
    return (
        min(w.y_min for w in body) / MM,
        (page.width - max(w.x_max for w in body)) / MM,
        (page.height - max(w.y_max for w in body)) / MM,
        min(w.x_min for w in body) / MM,
    )


def crossings(pages: list[Page]) -> list[str]:
    found = []
    for page in pages:
        limits = LANDSCAPE if page.landscape else PORTRAIT
        top, right, bottom, left = (limit * MM for limit in limits)
        for w in page.words:
            header = HEADER_WORDS.match(w.text) and w.y_max <= top
            inside = (
                w.x_min >= left - 0.5
                and w.x_max <= page.width - right + 0.5
                and w.y_max <= page.height - bottom + 0.5
                and (w.y_min >= top - 0.5 or header)
            )
            if not inside:
                found.append(f"page {page.number}: “{w.text}” at ({w.x_min:.0f}, {w.y_min:.0f})")
    return found


def _document(**overrides) -> Document:
    return Document(
        **organisation_defaults(),
        signer_title="GIÁM ĐỐC",
        signer_name="Phạm Văn Trinh",
        recipients=["UBND thành phố (qua Sở Nội vụ);", "Lưu: VT, VP."],
        assessment="Các đơn vị cơ bản hoàn thành nhiệm vụ.",
        year=2026,
        **overrides,
    )


@pytest.mark.parametrize(("kind", "code"), [("semiannual", "2026-H1"), ("annual", "2026")])
def test_every_page_of_the_demo_reports_is_within_the_margins(
    demo, pdftotext_bbox, tmp_path, kind, code
):
    data = build_for(kind=kind, code=code, today=DEMO_TODAY)
    pages = read_pages(render_pdf(data, _document()), pdftotext_bbox, tmp_path)
    assert any(p.landscape for p in pages) and any(not p.landscape for p in pages)
    assert crossings(pages) == []
    # The text fills the width it has: a table ends near the right margin, not far inside it.
    widest = min(margins_used(p)[1] for p in pages if p.landscape)
    assert widest < LANDSCAPE[1] + 10


def test_long_links_and_words_wrap_inside_the_appendix_tables(db, pdftotext_bbox, tmp_path):
    unit = UnitFactory(name="Phòng Một")
    author = UserFactory(unit=unit)
    long_link = "https://vanban.example.gov.vn/" + "a" * 180
    for index in range(3):
        task = TaskFactory(
            lead_unit=unit,
            due_date=date(2026, 5, 1),
            content="Nhiệm_vụ_không_có_dấu_cách_" * 8 + str(index),
        )
        record_progress(
            task=task,
            by=author,
            percent=100,
            status="done",
            achieved="Đã hoàn thành.",
            product_link=long_link,
            delay_reason="Chậm" * 60,
            at=task.created_at.replace(year=2026, month=5, day=10),
        )
    data = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 20))
    pages = read_pages(render_pdf(data, _document()), pdftotext_bbox, tmp_path)
    assert crossings(pages) == []


def test_a_word_past_the_margin_is_found(db):
    page = Page(1, 595, 842, [Word("tràn", 100, 300, 590, 312), Word("2", 290, 40, 296, 52)])
    assert crossings([page]) == ["page 1: “tràn” at (100, 300)"]
