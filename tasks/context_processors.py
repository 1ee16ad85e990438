from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from tasks.alerts import unread_badge


def notifications(request) -> dict:
    """The header badge's unread count: kept (tasks.alerts.unread_badge), read only when a page
    shows it, none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_badge(user))}
