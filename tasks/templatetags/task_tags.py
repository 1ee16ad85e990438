from django import template

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
def basename(path: str) -> str:
    """A stored file's own name, without the folders it is kept in."""
    return download_name(str(path))
