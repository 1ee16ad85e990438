from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

from reporting.narrative import number_text

register = template.Library()


@register.simple_tag(takes_context=True)
def figure(context, count: int, name: str, *unit):
    """A figure of the report's tables (reporting/figure_tables.html): on the report's page, a
    link to the tasks it counts (its context has `items_url`); in the PDF, the number. `unit`:
    the per-unit table's row (its unit's id, None for the row with no lead unit), linked when
    the context's `unit_links` says the data know each task's unit."""
    url = context.get("items_url")
    if not url or not count or (unit and not context.get("unit_links")):
        return count
    query = {"so_lieu": name}
    if unit:
        query["don_vi"] = unit[0] or 0
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(query), count)


@register.filter
def vn_number(value, digits: int = 1) -> str:
    """77.8 → "77,8" (Vietnamese documents write a decimal comma)."""
    return number_text(value, int(digits))


@register.filter
def signed(value) -> str:
    """A change with its sign: "+3,5", "-2", "0"."""
    if value is None:
        return "–"
    text = number_text(abs(value))
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else "0")
