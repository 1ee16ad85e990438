"""The user's warnings in the portal: list, mark read, acknowledge, and delivery preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tasks import alerts
from tasks.models import Channel, Notification, NotificationPreference
from tasks.punctuality import local_today

PER_PAGE = 25


class PreferenceForm(forms.ModelForm):
    webhook_url = forms.URLField(
        label=gettext_lazy("Địa chỉ webhook (không bắt buộc)"),
        required=False,
        assume_scheme="https",
        help_text=NotificationPreference._meta.get_field("webhook_url").help_text,
    )

    class Meta:
        model = NotificationPreference
        fields = ["email", "digest", "webhook_url"]


def _own_notification(request, pk: int) -> Notification:
    """404 for someone else's notification: its existence is not theirs to know."""
    return get_object_or_404(
        Notification.objects.select_related("alert__task__plan", "alert__occurrence"),
        pk=pk,
        recipient=request.user,
        channel=Channel.IN_APP,
    )


def _with_summary(notification: Notification, today) -> Notification:
    notification.summary = alerts.describe(notification.alert, today=today)
    return notification


@login_required
def notification_list(request):
    today = local_today()
    items = (
        Notification.objects.filter(recipient=request.user, channel=Channel.IN_APP)
        .select_related("alert__task__plan", "alert__task__lead_unit", "alert__occurrence")
        .order_by("read_at", "-created_at", "-pk")
    )
    if request.GET.get("chua_doc"):
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        _with_summary(notification, today)
    return render(
        request,
        "tasks/alerts/list.html",
        {"page": page, "today": today, "unread_only": bool(request.GET.get("chua_doc"))},
    )


def _respond_row(request, notification: Notification):
    if request.htmx:
        _with_summary(notification, local_today())
        return render(
            request, "tasks/alerts/list.html#notification-row", {"notification": notification}
        )
    return redirect("alerts:list")


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = _own_notification(request, pk)
    alerts.mark_read(notification=notification, now=timezone.now())
    return _respond_row(request, notification)


@login_required
@require_POST
def acknowledge(request, pk: int):
    notification = _own_notification(request, pk)
    alerts.acknowledge(notification=notification, now=timezone.now())
    if not request.htmx:
        messages.success(request, _("Đã tiếp nhận cảnh báo."))
    return _respond_row(request, notification)


@login_required
@require_POST
def mark_all_read(request):
    alerts.mark_all_read(request.user, now=timezone.now())
    return redirect("alerts:list")


@login_required
def preferences(request):
    preference, _created = NotificationPreference.objects.get_or_create(user=request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu tùy chọn nhận cảnh báo."))
        return redirect("alerts:preferences")
    return render(request, "tasks/alerts/preferences.html", {"form": form})
