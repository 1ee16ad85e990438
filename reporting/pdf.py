"""The report as a PDF laid out as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP).

A4 portrait for the body, with the margins the decree sets (top and bottom 20 mm, left 30 mm,
right 15 mm), page numbers centred in the top margin from page 2, Times-compatible Liberation
Serif shipped in reporting/fonts (so a PDF looks the same on every server); the appendices — the
late tasks with their reasons, what was achieved with the products, the tasks under way, the
next period's tasks — on landscape pages, numbered in the order they come.
Renders a `ReportData`; never queries.
"""

from __future__ import annotations

import html
import logging
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from reporting.data import ChartBar, Group, ReportData
from reporting.narrative import Document, number_text
from tasks.figures import ON_TIME_RATE_NOTE

FONTS = Path(__file__).resolve().parent / "fonts"
# WeasyPrint logs every layout step at INFO: a hundred lines per report in the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
FONT_FAMILY = "Liberation Serif"


def late_reasons(data: ReportData, limit: int = 5) -> list[tuple[str, int]]:
    """The reasons units gave most often, with how many late tasks each explains."""
    counts = Counter(row.reason.strip() for row in data.late_tasks if row.reason.strip())
    return counts.most_common(limit)


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """Split a unit name into at most `lines` lines of about `width` characters."""
    words, out, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
        if len(out[-1]) > width:
            out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def bar_chart_svg(bars: list[ChartBar], *, target: float, width: int = 620) -> str:
    """A horizontal bar chart of the on-time rate by unit, as inline SVG.

    The font is set on the SVG itself: WeasyPrint draws SVG text with the fonts the document
    declares, and a viewer opening the SVG alone falls back to Times.
    """
    label_width, right_pad, row_height, top, bottom = 235, 40, 34, 26, 28
    plot = width - label_width - right_pad
    height = top + row_height * max(len(bars), 1) + bottom
    scale = plot / 100

    def x(rate: float) -> float:
        return label_width + rate * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" font-family="{FONT_FAMILY}, Times New Roman, serif" font-size="13" '
        f'role="img" aria-label="Tỷ lệ hoàn thành đúng hạn theo đơn vị">'
    ]
    for tick in range(0, 101, 20):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 4}" x2="{x(tick):.1f}" '
            f'y2="{height - bottom}" stroke="#c8c8c8" stroke-width="0.6"/>'
            f'<text x="{x(tick):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11">{tick}%</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * row_height
        lines = _wrap(bar.label, 36)
        first = y + row_height / 2 - (len(lines) - 1) * 7 + 4
        label = "".join(
            f'<tspan x="{label_width - 8}" y="{first + i * 14:.1f}">{html.escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end" font-size="12">{label}</text>')
        rate = bar.rate or 0
        colour = "#1f5fa8" if rate >= target else "#c0392b"
        parts.append(
            f'<rect x="{label_width}" y="{y + 8}" width="{rate * scale:.1f}" '
            f'height="{row_height - 16}" fill="{colour}"/>'
            f'<text x="{x(rate) + 4:.1f}" y="{y + row_height / 2 + 4:.1f}" font-size="12">'
            f"{number_text(bar.rate)}%</text>"
        )
    parts.append(
        f'<line x1="{x(target):.1f}" y1="{top - 10}" x2="{x(target):.1f}" '
        f'y2="{height - bottom}" stroke="#000" stroke-width="1" stroke-dasharray="4 3"/>'
        f'<text x="{x(target):.1f}" y="{top - 13}" text-anchor="end" font-size="11">'
        f"Mục tiêu {number_text(target)}%</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def font_faces() -> str:
    faces = []
    for file, weight, style in (
        ("Regular", "normal", "normal"),
        ("Bold", "bold", "normal"),
        ("Italic", "normal", "italic"),
        ("BoldItalic", "bold", "italic"),
    ):
        url = (FONTS / f"LiberationSerif-{file}.ttf").as_uri()
        faces.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{url}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(faces)


ROMAN = ["I", "II", "III", "IV", "V", "VI"]


def _capped(rows: list, limit: int) -> tuple[list, int]:
    return rows[:limit], max(len(rows) - limit, 0)


def figure_context(data: ReportData) -> dict:
    """What reporting/figure_tables.html needs: the report's summary and per-unit tables, in
    the PDF and in the preview on the report's page."""
    return {
        "data": data,
        "rate_note": ON_TIME_RATE_NOTE,
        "state_columns": range(len(data.figures.states)),
        "overdue_before": data.group(Group.OVERDUE_BEFORE),
        "not_yet_due": data.group(Group.NOT_YET_DUE),
    }


def render_html(data: ReportData, document: Document) -> str:
    late = data.late_tasks
    late_shown = late
    if len(late) > settings.REPORT_PDF_MAX_LATE:
        # The signed document lists the tasks furthest behind; the workbook lists them all.
        worst = sorted(late, key=lambda row: -row.days_late)[: settings.REPORT_PDF_MAX_LATE]
        keep = {id(row) for row in worst}
        late_shown = [row for row in late if id(row) in keep]
    completed = data.completed_tasks
    # Completed tasks with their products, and what late tasks achieved in the window; the
    # tasks still under way show theirs in their own appendix.
    achieved_rows = completed + [r for r in data.achieved_tasks if r.is_late and not r.is_done]
    limit = settings.REPORT_PDF_MAX_COMPLETED
    achieved, achieved_hidden = _capped(achieved_rows, limit)
    open_tasks, open_hidden = _capped(data.open_tasks, limit)
    next_tasks = data.group(Group.NEXT)
    next_shown, next_hidden = _capped(next_tasks, limit)
    changes, changes_hidden = _capped(data.changes, 30)
    key_tasks, key_hidden = _capped(data.key_tasks, 30)
    # Appendices numbered in the order they come (Nghị định 30/2020: Phụ lục I, II…).
    present = [
        ("late", bool(late)),
        ("achieved", bool(achieved)),
        ("open", bool(open_tasks)),
        ("next", bool(next_tasks)),
    ]
    appendix = {}
    for name, shown in present:
        if shown:
            appendix[name] = f"Phụ lục {ROMAN[len(appendix)]}"
    return render_to_string(
        "reporting/report_pdf.html",
        {
            **figure_context(data),
            "doc": document,
            "font_faces": font_faces(),
            "chart": bar_chart_svg(data.chart, target=data.on_time_target) if data.chart else "",
            "appendix": appendix,
            "appendix_sub": (
                f"(Kèm theo Báo cáo {document.reference} {document.reference_date} "
                f"của {document.issuing_body})"
            ),
            "late": late_shown,
            "late_total": len(late),
            "late_hidden": len(late) - len(late_shown),
            # A long list, one line a task (WeasyPrint lays out 5–10 pages a second).
            "compact_late": len(late) > settings.REPORT_PDF_COMPACT_LATE,
            "continuous": data.group(Group.CONTINUOUS),
            "reported_targets": [t for t in data.targets if t.actual is not None],
            "unreported_targets": [t for t in data.targets if t.actual is None],
            "late_reasons": late_reasons(data),
            "completed_total": len(completed),
            "achieved_total": len(data.achieved_tasks),
            "achieved": achieved,
            "achieved_hidden": achieved_hidden,
            "open_tasks": open_tasks,
            "open_total": len(data.open_tasks),
            "open_hidden": open_hidden,
            "next_tasks": next_tasks,
            "next_shown": next_shown,
            "next_hidden": next_hidden,
            "changes": changes,
            "changes_hidden": changes_hidden,
            "key_tasks": key_tasks,
            "key_hidden": key_hidden,
            "key_total": len(data.key_tasks),
        },
    )


def render_pdf(data: ReportData, document: Document) -> bytes:
    from weasyprint import HTML  # imported here: loading WeasyPrint costs a second at startup

    return HTML(string=render_html(data, document), base_url=str(FONTS)).write_pdf()
