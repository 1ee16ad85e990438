"""The emulation ranking's page (/thi-dua/<id>/xep-hang/): units, then persons within a unit,
for a phase or the whole campaign, with the lists proposed for awards and for accountability;
Văn phòng sets the weights there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.models import Role
from campaign import ranking, review
from campaign.forms import RankingWeightsForm
from campaign.models import Campaign
from tasks.permissions import own_unit_ids
from tasks.punctuality import local_today


def _may_set_weights(user) -> bool:
    return user.is_superuser or user.role == Role.OFFICE


@login_required
def ranking_page(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("plan"), pk=pk)
    user = request.user
    form = None
    if _may_set_weights(user):
        # Its own copy: a refused form leaves its values on the instance, and the ranking
        # below must use the stored ones.
        form = RankingWeightsForm(request.POST or None, instance=Campaign.objects.get(pk=pk))
        if request.method == "POST" and form.is_valid():
            form.save()
            messages.success(request, _("Đã lưu trọng số và ngưỡng xếp hạng."))
            return redirect(request.get_full_path())
    elif request.method == "POST":
        raise PermissionDenied
    spans = ranking.spans(campaign, today=local_today())
    chosen = request.GET.get("giai_doan", "all")
    span = dict(spans).get(chosen)
    if span is None:
        raise Http404
    result = ranking.rank(campaign, span=span)
    if request.GET.get("tai") == "pdf":  # the review report (sơ kết, tổng kết)
        title = review.review_title(campaign, span, whole=chosen == "all", today=local_today())
        response = HttpResponse(
            review.render_review_pdf(campaign, result, title=title), content_type="application/pdf"
        )
        response["Content-Disposition"] = content_disposition_header(
            True, review.file_name(title)
        )
        return response
    # Persons: everyone's for Văn phòng and leaders, a unit head's own unit, nobody else's.
    if not user.sees_everything:
        mine = own_unit_ids(user) if user.role == Role.UNIT_HEAD else set()
        result.people = {k: v for k, v in result.people.items() if k in mine}
    rows = [
        (row, [row.shares[key] for key, _label in ranking.CRITERIA], result.people.get(row.unit.pk))
        for row in result.units
    ]
    context = {
        "campaign": campaign,
        "rows": rows,
        "spans": spans,
        "chosen": chosen,
        "ranking": result,
        "criteria": [(key, label, result.weights[key]) for key, label in ranking.CRITERIA],
        "form": form,
        "min_judged": ranking.MIN_JUDGED_TASKS,
    }
    return render(request, "campaign/ranking.html", context)
