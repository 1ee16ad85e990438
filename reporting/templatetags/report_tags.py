from __future__ import annotations

from django import template

from reporting.narrative import number_text

register = template.Library()


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
