"""Who may reach what, in one place for every page: staff roles by model permission, partner leads by partner."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from commissioning.models import Commission, User


def require_perm(user: User, permission: str) -> None:
    """Refuse (403) a user without the permission. Partner finance leads hold no model permission."""
    if not user.has_perm(permission):
        raise PermissionDenied


def get_commission_for_user(user: User, pk: int) -> Commission:
    """A commission for staff who may read commissions; everyone else is refused before the lookup."""
    require_perm(user, "commissioning.view_commission")
    return get_object_or_404(Commission.objects.select_related("host"), pk=pk)
