"""Report downloads, the fund statement, and the funding plan's versions and movements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from commissioning import financial_years
from commissioning import selectors as commission_selectors
from commissioning.access import get_commission_for_user, require_perm
from commissioning.models import Commission, FinancialYear, FundingPlanVersion, User
from reports import packs, selectors, services
from reports.forms import (
    MovementsForm,
    PlanVersionFreezeForm,
    ReportPackForm,
    StatementReportForm,
    StatementYearForm,
)
from reports.pdf import pdf_response, render_pdf
from reports.selectors import ANNUAL


@login_required
def commission_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commissioning.view_commission"):
        raise PermissionDenied
    commission = get_object_or_404(Commission.objects.select_related("host"), pk=pk)
    overview = commission_selectors.commission_overview(commission)
    context = {
        "overview": overview,
        "commission": commission,
        "fund": selectors.commission_fund_statement(commission),
        "generated_at": timezone.now(),
        "generated_by": request.user,
    }
    pdf = render_pdf("reports/commission_summary.html", context)
    return pdf_response(pdf, f"commission-{commission.pk}-summary.pdf")


# The fund statement and funding plan versions --------------------------------------------------------------------

STATEMENT_PERMISSION = "commissioning.view_ledgertransaction"
# The report form shares the statement page with the year form: a prefix keeps their fields apart.
REPORT_PREFIX = "report"
PACK_PREFIX = "pack"
PACK_PERMISSION = "commissioning.add_job"  # officers start background jobs


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _default_year(years: list[FinancialYear]) -> FinancialYear:
    """The financial year we are in, if it is one of the commission's; else its last year once it has ended, or
    its first before it has begun."""
    today = financial_years.start_year_of(timezone.localdate())
    for year in years:
        if year.start_year == today:
            return year
    return years[-1] if years and years[-1].start_year < today else years[0]


@login_required
def fund_statement(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = get_commission_for_user(_user(request), commission_pk)
    require_perm(_user(request), STATEMENT_PERMISSION)
    return _fund_statement_page(request, commission)


def _fund_statement_page(
    request: HttpRequest,
    commission: Commission,
    *,
    report_form: StatementReportForm | None = None,
    pack_form: ReportPackForm | None = None,
) -> HttpResponse:
    fund = selectors.commission_fund_statement(commission)
    years = [year_statement.year for year_statement in fund.years]
    form = StatementYearForm(request.GET if "year" in request.GET else None, years=years)
    year = None
    if form.is_bound and form.is_valid():
        year = form.year()
    elif not form.is_bound and years:
        year = _default_year(years)
    if report_form is None:
        report_form = StatementReportForm(
            years=years, prefix=REPORT_PREFIX, initial={"year": year.start_year if year else None, "period": ANNUAL}
        )
    if pack_form is None:
        pack_form = ReportPackForm(years=years, prefix=PACK_PREFIX, initial={"year": year.start_year if year else None})
    context = {
        "commission": commission,
        "fund": fund,
        "form": form,
        "report_form": report_form,
        "pack_form": pack_form,
        "may_start_pack": _user(request).has_perm(PACK_PERMISSION),
        "year": fund.for_year(year.pk) if year else None,
    }
    return render(request, "reports/fund_statement.html", context)


@login_required
def fund_statement_pdf(request: HttpRequest, commission_pk: int) -> HttpResponse:
    """The fund statement report for a year or a quarter, as a tagged PDF. A bad year or period shows the fund
    statement page again with the error summary, and no PDF (200, as the page's own year form does)."""
    commission = get_commission_for_user(_user(request), commission_pk)
    require_perm(_user(request), STATEMENT_PERMISSION)
    years = list(commission.years.order_by("number"))
    form = StatementReportForm(request.GET, years=years, prefix=REPORT_PREFIX)
    if not form.is_valid():
        return _fund_statement_page(request, commission, report_form=form)
    report = selectors.fund_statement_report(commission, period=form.report_period())
    context = {"report": report, "generated_at": timezone.now(), "generated_by": request.user}
    pdf = render_pdf("reports/pdf/fund_statement.html", context)
    return pdf_response(pdf, f"fund-statement-{commission.pk}-{report.period.slug}.pdf")


@login_required
@require_POST
def report_pack_start(request: HttpRequest, commission_pk: int) -> HttpResponse:
    """Start the background job that makes all the commission's reports for a year into one zip (reports/packs.py);
    its page shows the progress and, once finished, the download. A bad year shows the fund statement page again
    with the error summary, and starts nothing."""
    user = _user(request)
    commission = get_commission_for_user(user, commission_pk)
    require_perm(user, STATEMENT_PERMISSION)
    require_perm(user, PACK_PERMISSION)
    form = ReportPackForm(request.POST, years=list(commission.years.order_by("number")), prefix=PACK_PREFIX)
    if not form.is_valid():
        return _fund_statement_page(request, commission, pack_form=form)
    job = packs.report_pack_start(commission=commission, year=form.year(), by=user)
    messages.success(request, f"The reports for {form.year().label} are being made in the background.")
    return redirect("job-detail", pk=job.pk)


def _versions(request: HttpRequest, commission_pk: int) -> tuple[Commission, list[FundingPlanVersion]]:
    commission = get_commission_for_user(_user(request), commission_pk)
    require_perm(_user(request), "commissioning.view_fundingplanversion")
    return commission, list(selectors.plan_version_list(commission))


@login_required
def plan_version_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission, versions = _versions(request, commission_pk)
    context = {"commission": commission, "versions": versions, "form": MovementsForm(versions=versions)}
    return render(request, "reports/plan_version_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_version_freeze(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = get_commission_for_user(_user(request), commission_pk)
    require_perm(_user(request), "commissioning.add_fundingplanversion")
    form = PlanVersionFreezeForm(request.POST or None, commission=commission)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.plan_version_freeze(
                commission=commission,
                label=form.cleaned_data["label"],
                decision_reference=form.cleaned_data["decision_reference"],
                decision=form.cleaned_data.get("decision"),
                by=_user(request),
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, f"The plan is frozen as {version}.")
            return redirect("plan-version-detail", commission_pk=commission.pk, number=version.number)
    return render(request, "reports/plan_version_freeze.html", {"commission": commission, "form": form})


@login_required
def plan_version_detail(request: HttpRequest, commission_pk: int, number: int) -> HttpResponse:
    commission, versions = _versions(request, commission_pk)
    version = next((version for version in versions if version.number == number), None)
    if version is None:
        raise Http404("No such version of the plan.")
    context = {"commission": commission, "version": version, "tables": selectors.snapshot_tables(version.snapshot)}
    return render(request, "reports/plan_version_detail.html", context)


@login_required
def plan_movements(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission, versions = _versions(request, commission_pk)
    form = MovementsForm(request.GET or None, versions=versions)
    movements = None
    if form.is_bound and form.is_valid():
        by_number = {str(version.number): version for version in versions}
        before = by_number[form.cleaned_data["before"]]
        if form.cleaned_data["after"] == selectors.CURRENT:
            after_snapshot, after_label = selectors.plan_snapshot(commission), "The plan as it stands now"
        else:
            after = by_number[form.cleaned_data["after"]]
            after_snapshot, after_label = after.snapshot, str(after)
        movements = selectors.plan_movements(
            before.snapshot, after_snapshot, before_label=str(before), after_label=after_label
        )
    context = {"commission": commission, "form": form, "movements": movements, "versions": versions}
    return render(request, "reports/plan_movements.html", context)
