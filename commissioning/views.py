"""Staff pages: the list of commissions and one commission's set-up."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning import selectors
from commissioning.access import get_commission_for_user, require_perm
from commissioning.models import User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.partner_id:
        # A partner finance lead's home is their own organisation.
        return redirect("partner-detail", pk=user.partner_id)
    require_perm(user, "commissioning.view_commission")
    return render(request, "commissioning/commission_list.html", {"commissions": selectors.commission_list()})


@login_required
def commission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commission = get_commission_for_user(request.user, pk)  # type: ignore[arg-type]
    overview = selectors.commission_overview(commission)
    return render(request, "commissioning/commission_detail.html", {"overview": overview, "commission": commission})
