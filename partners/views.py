"""Partner pages. A partner finance lead reaches only their own organisation; any other is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from commissioning.models import User
from partners import selectors
from partners.models import Partner


def _get_partner_for_user(user: User, pk: int) -> Partner:
    if not user.partner_id and not user.has_perm("partners.view_partner"):
        raise PermissionDenied
    # Scoped before the lookup, so a foreign partner looks exactly like a missing one.
    return get_object_or_404(selectors.visible_partners(user), pk=pk)


@login_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    partner = _get_partner_for_user(user, pk)
    before, after = selectors.partner_history(partner)
    context = {
        "partner": partner,
        "memberships": selectors.partner_memberships(partner),
        "contacts": selectors.partner_contacts(partner),
        "predecessions": before,
        "successions": after,
        "can_view_commissions": user.has_perm("commissioning.view_commission"),
    }
    return render(request, "partners/partner_detail.html", context)
