from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict, key):
    """{{ names|lookup:pk }}: a dictionary value by key, for ids resolved in the view."""
    return mapping.get(key, "")
