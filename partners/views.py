"""Partner pages. A partner finance lead reaches only their own organisation; any other is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from commissioning import statement
from commissioning.access import require_perm
from commissioning.models import Commission, User
from partners import selectors
from partners.models import Partner
from reports import selectors as report_selectors
from reports.forms import StatementReportForm
from reports.pdf import pdf_response, render_pdf
from reports.selectors import ANNUAL


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


def _partner_and_commission(user: User, pk: int, commission_pk: int) -> tuple[Partner, Commission]:
    """The partner (a finance lead's own only; a foreign one is a 404) and one of its commissions; staff need to
    read partners and the ledger."""
    partner = _get_partner_for_user(user, pk)
    if not user.partner_id:
        require_perm(user, "commissioning.view_ledgertransaction")
    commission = get_object_or_404(
        Commission.objects.filter(Q(memberships__partner=partner) | Q(host=partner)).distinct(), pk=commission_pk
    )
    return partner, commission


@login_required
def partner_statement(request: HttpRequest, pk: int, commission_pk: int) -> HttpResponse:
    """A partner's own statement for one commission: what it pledged, was invoiced and paid, by year and quarter.

    The partner's finance lead sees their own and no other (a 404, as for a partner that does not exist); staff
    need to read partners and the ledger. Nothing of any other partner is on it.
    """
    user: User = request.user  # type: ignore[assignment]
    partner, commission = _partner_and_commission(user, pk, commission_pk)
    return _partner_statement_page(request, partner, commission)


def _partner_statement_page(
    request: HttpRequest,
    partner: Partner,
    commission: Commission,
    *,
    report_form: StatementReportForm | None = None,
) -> HttpResponse:
    mine = statement.partner_statement(commission, partner.pk)
    if report_form is None:
        report_form = StatementReportForm(years=[year.year for year in mine.years], initial={"period": ANNUAL})
    context = {
        "partner": partner,
        "commission": commission,
        "statement": mine,
        "report_form": report_form,
        "can_view_commissions": request.user.has_perm("commissioning.view_commission"),
    }
    return render(request, "partners/partner_statement.html", context)


@login_required
def partner_statement_pdf(request: HttpRequest, pk: int, commission_pk: int) -> HttpResponse:
    """The partner's own statement report for a year or a quarter, as a tagged PDF; the same people as the
    statement page. A bad year or period shows the page again with the error summary, and no PDF."""
    user: User = request.user  # type: ignore[assignment]
    partner, commission = _partner_and_commission(user, pk, commission_pk)
    form = StatementReportForm(request.GET, years=list(commission.years.order_by("number")))
    if not form.is_valid():
        return _partner_statement_page(request, partner, commission, report_form=form)
    report = report_selectors.partner_statement_report(commission, partner, period=form.report_period())
    pdf = render_pdf("partners/pdf/partner_statement.html", {"report": report, "generated_at": timezone.now()})
    return pdf_response(pdf, f"statement-{partner.pk}-{commission.pk}-{report.period.slug}.pdf")
