"""A commission's dashboard: the page a manager opens to see where the fund stands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.access import get_commission_for_user
from commissioning.models import User
from reports.dashboard import commission_dashboard


@login_required
def dashboard(request: HttpRequest, commission_pk: int) -> HttpResponse:
    """Staff who read commissions see it; partner finance leads and anyone else are refused (403)."""
    user: User = request.user  # type: ignore[assignment]
    commission = get_commission_for_user(user, commission_pk)
    context = {"commission": commission, "dashboard": commission_dashboard(commission)}
    return render(request, "reports/dashboard.html", context)
