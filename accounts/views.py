from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static

from accounts.models import Role

LANDING = {
    Role.OFFICE: "tasks:dashboard",
    Role.ADMIN: "tasks:dashboard",
    Role.LEADERSHIP: "tasks:leadership",
    Role.UNIT_HEAD: "tasks:my_unit",
    Role.STAFF: "tasks:mine",
}


@login_required
def home(request):
    """Each role lands on the page of its daily work."""
    user = request.user
    if user.is_superuser:
        return redirect("tasks:dashboard")
    if user.role == Role.UNIT_HEAD and not user.unit_id:
        return redirect("tasks:list")
    return redirect(LANDING.get(user.role, "tasks:list"))


def healthz(request):
    """For container health checks: the web process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """For the tools that ask for /favicon.ico without reading the page's <link rel=icon>."""
    return redirect(static("img/favicon.svg"), permanent=True)
