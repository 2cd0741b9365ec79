"""Report downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from commissioning import selectors
from commissioning.models import Commission
from reports.pdf import render_pdf


@login_required
def commission_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commissioning.view_commission"):
        raise PermissionDenied
    commission = get_object_or_404(Commission.objects.select_related("host"), pk=pk)
    overview = selectors.commission_overview(commission)
    pdf = render_pdf(
        "reports/commission_summary.html",
        {"overview": overview, "commission": commission, "generated_at": timezone.now(), "generated_by": request.user},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="commission-{commission.pk}-summary.pdf"'
    return response
