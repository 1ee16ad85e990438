from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from plans.cache import kept
from plans.models import Unit


def unit_names() -> dict[int, str]:
    """{unit id: its display name} of every unit, kept under the reference version."""
    return kept("unit-names", lambda: dict(Unit.choice_labels(Unit.objects.all())))


def user_unit(request) -> dict:
    """The header's name of the person's unit, from the kept names rather than a query on
    every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.unit_id:
        return {}

    def name() -> str:
        return unit_names().get(user.unit_id) or user.unit.display_name

    return {"user_unit_name": SimpleLazyObject(name)}
