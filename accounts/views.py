from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect


@login_required
def home(request):
    # Each role gets its own landing page once the dashboards exist; until then, the task list
    # (already scoped to what the user may see).
    return redirect("tasks:list")


def healthz(request):
    """For container health checks: the web process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
