from datetime import datetime

from django import template
from django.utils import timezone

from tasks import comments
from tasks.product_files import download_name
from tasks.punctuality import Punctuality

register = template.Library()


@register.filter
def punctuality_label(value: str) -> str:
    try:
        return Punctuality(value).label
    except ValueError:
        return ""


@register.filter
def dmy(value) -> str:
    """dd/mm/yyyy of a date, or of a moment in the portal's time zone: what `|date:"d/m/Y"`
    writes, at a fraction of its cost (it counts in lists of many rows)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d/%m/%Y")


@register.filter
def basename(path: str) -> str:
    """A stored file's own name, without the folders it is kept in."""
    return download_name(str(path))


@register.filter
def pct(value) -> str:
    """The CSS class drawing a bar at `value` percent (whole percents, 0–100): bars are sized
    by class, since the Content-Security-Policy forbids inline styles."""
    try:
        number = round(float(value))
    except (TypeError, ValueError):
        number = 0
    return f"pct-{min(max(number, 0), 100)}"


@register.filter
def comment_html(comment) -> str:
    """A comment's text with the people it mentions highlighted (tasks.comments)."""
    return comments.comment_html(comment)
