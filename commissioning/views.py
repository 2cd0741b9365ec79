"""Staff pages: the list of commissions, one commission's set-up, and the API reference."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import api_docs, selectors
from commissioning.api import may_use_api
from commissioning.models import Commission, User


def _require_commission_reader(user: User) -> None:
    if not user.has_perm("commissioning.view_commission"):
        raise PermissionDenied


def _get_commission_for_user(user: User, pk: int) -> Commission:
    """Staff who may read commissions see any; everyone else is refused before the lookup."""
    _require_commission_reader(user)
    return get_object_or_404(Commission.objects.select_related("host"), pk=pk)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.partner_id:
        # A partner finance lead's home is their own organisation.
        return redirect("partner-detail", pk=user.partner_id)
    _require_commission_reader(user)
    return render(request, "commissioning/commission_list.html", {"commissions": selectors.commission_list()})


@login_required
def commission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commission = _get_commission_for_user(request.user, pk)  # type: ignore[arg-type]
    overview = selectors.commission_overview(commission)
    return render(request, "commissioning/commission_detail.html", {"overview": overview, "commission": commission})


@login_required
def api_reference(request: HttpRequest) -> HttpResponse:
    """The API reference, rendered here from the schema: see commissioning/api_docs.py for why not Swagger UI."""
    if not may_use_api(request.user):
        raise PermissionDenied
    return render(request, "commissioning/api_reference.html", {"reference": api_docs.api_reference()})
