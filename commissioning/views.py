"""Staff pages: the list of commissions, one commission's set-up, and the API reference."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning import api_docs, selectors
from commissioning.access import get_commission_for_user, require_perm
from commissioning.api import may_use_api
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


@login_required
def api_reference(request: HttpRequest) -> HttpResponse:
    """The API reference, rendered here from the schema: see commissioning/api_docs.py for why not Swagger UI."""
    if not may_use_api(request.user):
        raise PermissionDenied
    return render(request, "commissioning/api_reference.html", {"reference": api_docs.api_reference()})


# When the accessibility statement was prepared; change it whenever the statement is reviewed.
ACCESSIBILITY_STATEMENT_PREPARED = dt.date(2026, 11, 25)


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the Public Sector Bodies Accessibility Regulations 2018 require; public."""
    context = {
        "operator": settings.SERVICE_OPERATOR,
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "prepared_on": ACCESSIBILITY_STATEMENT_PREPARED,
    }
    return render(request, "accessibility.html", context)
