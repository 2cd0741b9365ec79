"""The audit trail's page: one object's versions, for the staff roles (officers, managers, auditors)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning import history_selectors
from commissioning.access import may_view_history
from commissioning.models import User


@login_required
def object_history(request: HttpRequest, app_label: str, model_name: str, pk: int) -> HttpResponse:
    model = history_selectors.tracked_model(app_label, model_name)
    if model is None:
        raise Http404("There is no history of that kind of record.")
    user: User = request.user  # type: ignore[assignment]
    if not may_view_history(user, model):
        raise PermissionDenied
    trail = history_selectors.object_history(model, pk, page_number=request.GET.get("page", 1))
    if trail is None:
        raise Http404("There is no such record and no history of one.")
    return render(request, "commissioning/object_history.html", {"trail": trail})
