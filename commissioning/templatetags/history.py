"""`{% history_link obj "what it is" %}`: a link to the object's audit trail, for those who may read it; nothing
for anyone else.

The label completes "History of …": read by screen readers only (the link shows a short "History", on a line of
its own in small type with `small=True`, for a table cell), or shown in full with `full=True`. The page gives the
label, having the name at hand, rather than the tag making it from `str(obj)`, which may need queries.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from commissioning import history
from commissioning.access import may_view_history

register = template.Library()


@register.inclusion_tag("commissioning/partials/history_link.html", takes_context=True)
def history_link(
    context: dict[str, Any], obj: Any, label: str = "", *, full: bool = False, small: bool = False
) -> dict[str, Any]:
    user = context.get("user")
    if obj is None or user is None or not user.is_authenticated:
        return {"url": None}
    model = obj._meta.model
    if not history.is_tracked(model) or not may_view_history(user, model):
        return {"url": None}
    url = reverse("object-history", args=[model._meta.app_label, model._meta.model_name, obj.pk])
    return {"url": url, "label": label or str(obj), "full": full, "small": small}
