"""Who may reach what, in one place for every page: staff roles by model permission, partner leads by partner."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from commissioning import history
from commissioning.models import Commission, User


def require_perm(user: User, permission: str) -> None:
    """Refuse (403) a user without the permission. Partner finance leads hold no model permission."""
    if not user.has_perm(permission):
        raise PermissionDenied


def get_commission_for_user(user: User, pk: int) -> Commission:
    """A commission for staff who may read commissions; everyone else is refused before the lookup."""
    require_perm(user, "commissioning.view_commission")
    return get_object_or_404(Commission.objects.select_related("host"), pk=pk)


def may_view_history(user: User, model: type) -> bool:
    """Whether the user may read a tracked model's audit trail: they must read the model and its versions. Staff
    roles do; partner finance leads hold no model permission, so they never do."""
    opts, history_opts = model._meta, history.history_model_for(model)._meta  # type: ignore[attr-defined]
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}") and user.has_perm(
        f"{history_opts.app_label}.view_{history_opts.model_name}"
    )
