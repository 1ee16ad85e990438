"""The campaign's review report (báo cáo sơ kết a phase, tổng kết the campaign) as a PDF in the
layout of Nghị định 30/2020: the span's figures, the emulation ranking of the units, and the
lists proposed for awards and for accountability (campaign/ranking.py)."""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string
from django.utils.text import slugify

from campaign.models import Campaign
from campaign.ranking import CRITERIA, Ranking, Span
from plans.text import fold
from tasks.dashboards import add_figures
from tasks.figures import ON_TIME_RATE_NOTE, Figures


def review_title(campaign: Campaign, span: Span, *, whole: bool, today: date) -> str:
    """"Sơ kết Giai đoạn 1…", or "Tổng kết phong trào" once the campaign has run its course."""
    if whole:
        done = today >= campaign.targets_due_on
        return "Tổng kết phong trào" if done else f"Sơ kết phong trào đến ngày {span.end:%d/%m/%Y}"
    return f"Sơ kết {span.label}"


def file_name(title: str) -> str:
    """Vietnamese without accents, as report files are named: "bao-cao-so-ket-…pdf"."""
    return f"{slugify(fold(f'bao cao {title}'))[:150]}.pdf"


def render_review_pdf(campaign: Campaign, ranking: Ranking, *, title: str) -> bytes:
    from weasyprint import HTML  # imported here: loading WeasyPrint costs a second at startup

    from reporting.pdf import FONTS, font_faces

    figures: Figures = add_figures(row.figures for row in ranking.units)
    context = {
        "campaign": campaign,
        "issuer": campaign.plan.issuing_unit.name if campaign.plan.issuing_unit_id else "",
        "title": title,
        "r": ranking,
        "figures": figures,
        "rate_note": ON_TIME_RATE_NOTE,
        "criteria": [(label, ranking.weights[key]) for key, label in CRITERIA],
        "rows": [
            (row, [row.shares[key] for key, _label in CRITERIA]) for row in ranking.units
        ],
        "font_faces": font_faces(),
    }
    html = render_to_string("campaign/review_pdf.html", context)
    return HTML(string=html, base_url=str(FONTS)).write_pdf()
