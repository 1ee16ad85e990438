"""The deadline calendar: a month view, and each person's iCal feed behind a secret address."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import CalendarFeed, User
from plans.models import Unit
from tasks import calendar
from tasks.models import Task
from tasks.permissions import own_unit_ids
from tasks.punctuality import local_today

_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})")
# Months a person may page to: a sane range, whatever the URL says.
_FIRST_YEAR, _LAST_YEAR = 2000, 2100


def _month_asked(value: str, today) -> tuple[int, int]:
    found = _MONTH.fullmatch(value or "")
    if found:
        year, month = int(found["year"]), int(found["month"])
        if _FIRST_YEAR <= year <= _LAST_YEAR and 1 <= month <= 12:
            return year, month
    return today.year, today.month


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _choices(user) -> tuple[list[Unit], list[User]]:
    """The units and people one may narrow the calendar to: all for those who see everything,
    else one's own unit (and those below it) and its people."""
    units = Unit.objects.filter(is_active=True)
    people = User.objects.filter(is_active=True)
    if not user.sees_everything:
        ids = own_unit_ids(user)
        units, people = units.filter(pk__in=ids), people.filter(unit_id__in=ids)
    return list(units.order_by("name")), list(people.order_by("full_name", "username"))


@login_required
def month(request):
    today = local_today()
    year, month_number = _month_asked(request.GET.get("thang", ""), today)
    units, people = _choices(request.user)
    unit = next((u for u in units if u.pk == _int(request.GET.get("don-vi", ""))), None)
    person = next((p for p in people if p.pk == _int(request.GET.get("nguoi", ""))), None)
    tasks = Task.objects.visible_to(request.user)
    if unit is not None:
        tasks = tasks.filter(lead_unit_id__in=Unit.objects.descendant_ids({unit.pk}))
    if person is not None:
        tasks = tasks.filter(assignee=person)
    start, end = calendar.month_bounds(year, month_number)
    found = calendar.entries(
        tasks,
        start=start,
        end=end,
        today=today,
        limit=calendar.MONTH_MAX_ENTRIES,
        keep_parts=person is not None,
    )
    context = {
        "weeks": calendar.month_weeks(year, month_number, found),
        "year": year,
        "month": month_number,
        "today": today,
        "previous": "{:04d}-{:02d}".format(*calendar.shift_month(year, month_number, -1)),
        "next": "{:04d}-{:02d}".format(*calendar.shift_month(year, month_number, 1)),
        "units": units,
        "people": people,
        "unit": unit,
        "person": person,
        "truncated": len(found) >= calendar.MONTH_MAX_ENTRIES,
        "count": len(found),
    }
    return render(request, "tasks/calendar.html", context)


@login_required
def feed_settings(request):
    """The page that gives the secret address to paste into Outlook or a phone."""
    feed = CalendarFeed.for_user(request.user)
    url = request.build_absolute_uri(reverse("tasks:calendar_feed", args=[feed.key]))
    return render(request, "tasks/calendar_feed.html", {"feed": feed, "url": url})


@login_required
@require_POST
def feed_renew(request):
    CalendarFeed.renew(request.user)
    messages.success(
        request,
        _("Đã tạo địa chỉ lịch mới; địa chỉ cũ không còn dùng được. Hãy cập nhật ứng dụng lịch."),
    )
    return redirect("tasks:calendar_sync")


def feed(request, key: str):
    """No login: calendar applications cannot log in, the secret key is the credential."""
    found = (
        CalendarFeed.objects.select_related("user").filter(key=key, user__is_active=True).first()
    )
    if found is None:
        raise Http404
    body = calendar.ical_feed(
        found.user,
        now=timezone.now(),
        site_url=settings.SITE_URL,
        task_url=lambda pk: settings.SITE_URL.rstrip("/") + reverse("tasks:detail", args=[pk]),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="han-nhiem-vu.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
