from django import template

from tasks.punctuality import Punctuality

register = template.Library()


@register.filter
def punctuality_label(value: str) -> str:
    try:
        return Punctuality(value).label
    except ValueError:
        return ""
