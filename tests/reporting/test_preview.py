"""The report's page shows its figures before anyone downloads the PDF, from the same data."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting import services
from reporting.data import build_for
from reporting.models import Report, ReportState
from tests.factories import UserFactory
from tests.reporting.conftest import DEMO_TODAY

pytestmark = pytest.mark.usefixtures("frozen_clock")


class Tables(HTMLParser):
    """The rows of each table inside the preview, as lists of cell texts, by table class."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.depth = 0  # inside the preview section
        self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == "report-preview":
            self.depth = 1
        elif not self.depth:
            return
        if tag == "table":
            self.table = self.tables.setdefault(attrs["class"].split()[-1], [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "section":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def _number(text: str) -> float | None:
    return None if text in ("", "–") else float(text.replace(",", "."))


@pytest.fixture
def office(db):
    return UserFactory(role=Role.OFFICE)


@pytest.fixture
def drafted(demo, office):
    """The demo department's 2026 report, its data gathered (as the job leaves it)."""
    report = services.create_draft(kind="annual", code="2026", by=office)
    data = build_for(kind="annual", code="2026", today=DEMO_TODAY)
    Report.objects.filter(pk=report.pk).update(snapshot=data.to_json(), data_as_of=DEMO_TODAY)
    report.refresh_from_db()
    return report


def test_the_page_shows_the_figures_of_the_reports_data(client, office, drafted):
    client.force_login(office)
    page = client.get(reverse("reporting:detail", args=[drafted.pk])).content.decode()
    tables = _tables(page)
    snapshot = drafted.snapshot
    figures = snapshot["figures"]
    assert figures["total"] > 0 and len(snapshot["units"]) > 1  # the demo has something to show

    summary = {row[1]: _number(row[2]) for row in tables["summary"]}
    expected = {
        "Nhiệm vụ đến hạn trong kỳ": figures["total"],
        "Chưa thực hiện": figures["not_started"],
        "Đang thực hiện, trong hạn": figures["on_track"] + figures["due_soon"],
        "Quá hạn chưa hoàn thành": figures["overdue"],
        "Hoàn thành trước hạn": figures["done_early"],
        "Hoàn thành đúng hạn": figures["done_on_time"],
        "Hoàn thành trễ hạn": figures["done_late"],
        "Tạm dừng": figures["paused"],
        "Đã hủy": figures["cancelled"],
    }
    for label, value in expected.items():
        assert summary[label] == value, label
    on_time = figures["done_early"] + figures["done_on_time"]
    judged = on_time + figures["done_late"] + figures["overdue"]
    assert summary["Tỷ lệ hoàn thành đúng hạn, trước hạn (%)(1)"] == round(
        100 * on_time / judged, 1
    )
    assert "Tỷ lệ hoàn thành đúng hạn = (số nhiệm vụ hoàn thành trước hạn" in page

    *unit_rows, total_row = tables["units-table"]
    assert [row[1] for row in unit_rows] == [u["name"] for u in snapshot["units"]]
    for row, unit in zip(unit_rows, snapshot["units"], strict=True):
        assert _number(row[2]) == unit["figures"]["total"]
    columns = range(2, 11)  # total, the eight states, then the rate
    sums = [sum(_number(row[i]) for row in unit_rows) for i in columns]
    assert sums == [_number(total_row[i]) for i in columns]
    assert _number(total_row[2]) == figures["total"]
    for row in unit_rows:  # each unit's states add up to its total
        assert sum(_number(row[i]) for i in range(3, 11)) == _number(row[2])


def test_the_page_runs_a_fixed_number_of_queries(
    client, office, drafted, django_assert_max_num_queries
):
    client.force_login(office)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("reporting:detail", args=[drafted.pk])).status_code == 200


def test_the_preview_appears_when_the_files_are_made(client, office, db):
    report = services.create_draft(kind="semiannual", code="2026-H1", by=office)
    client.force_login(office)
    with mock.patch("reporting.jobs.generate_report.delay"):
        services.start_generation(report=report)
    url = reverse("reporting:progress", args=[report.pk])
    polling = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="report-preview"' not in polling  # the page says the data are being gathered

    snapshot = build_for(kind="semiannual", code="2026-H1", today=DEMO_TODAY).to_json()
    Report.objects.filter(pk=report.pk).update(state=ReportState.DRAFT, snapshot=snapshot)
    ready = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="report-preview" class="report-preview" hx-swap-oob="true"' in ready
    assert "Nhiệm vụ đến hạn trong kỳ" in ready


def test_each_figure_links_to_the_tasks_it_counts(
    client, office, drafted, django_assert_max_num_queries
):
    client.force_login(office)
    page = client.get(reverse("reporting:detail", args=[drafted.pk])).content.decode()
    links = re.findall(r'<a href="(/bao-cao/\d+/nhiem-vu/\?[^"]+)">(\d+)</a>', page)
    assert len(links) > 20  # every non-zero figure of both tables
    task_ids = {row[0] for row in drafted.snapshot["tasks"]}
    for url, count in links:
        with django_assert_max_num_queries(6):
            listed = client.get(html.unescape(url)).content.decode()
        assert f"{count} nhiệm vụ, tình trạng tại ngày 22/11/2026" in listed, url
        shown = {int(pk) for pk in re.findall(r'href="/nhiem-vu/(\d+)/"', listed)}
        assert shown and shown <= task_ids
    unknown = client.get(reverse("reporting:items", args=[drafted.pk]), {"so_lieu": "x"})
    assert unknown.status_code == 404


def test_data_gathered_before_rows_knew_their_unit_link_only_the_totals(client, office, drafted):
    snapshot = drafted.snapshot
    at = snapshot["task_fields"].index("unit_id")
    snapshot["task_fields"].pop(at)
    for row in snapshot["tasks"]:
        row.pop(at)
    Report.objects.filter(pk=drafted.pk).update(snapshot=snapshot)
    client.force_login(office)
    page = client.get(reverse("reporting:detail", args=[drafted.pk])).content.decode()
    links = re.findall(r'<a href="/bao-cao/\d+/nhiem-vu/\?([^"]+)">', page)
    assert links and not any("don_vi" in link for link in links)
