"""Officer and reader pages for formulas, requests, allocations, monitoring and reconciliation.

Every view checks the commission first (staff who may read commissions) and then the model permission of
what it changes; partner finance leads and outsiders are refused before any lookup.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from allocations import selectors, services
from allocations.forms import (
    WALBY_CATEGORIES,
    AllocationOverrideForm,
    CategoryWeightsForm,
    FixedAmountsForm,
    FormulaCreateForm,
    MonitoringReturnForm,
    YearBudgetForm,
)
from allocations.models import Formula, WorkStreamAllocation
from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.models import Commission, FinancialYear, User
from commissioning.money import ZERO, format_pounds
from commissioning.sorting import sort_queryset, sorting_from
from partners.models import ContributionRequest, Membership


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commission(request: HttpRequest, commission_pk: int, *, perm: str | None = None) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    if perm:
        require_perm(_user(request), perm)
    return commission


# Formulas and requests ------------------------------------------------------------------------------------


@login_required
def formula_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.view_formula")
    context = {"commission": commission, "formulas": selectors.commission_formulas(commission)}
    return render(request, "allocations/formula_list.html", context)


@login_required
def formula_detail(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.view_formula")
    formula = get_object_or_404(selectors.commission_formulas(commission), pk=pk)
    try:
        result, error = services.formula_compute(formula), None
    except ValidationError as problem:
        result, error = None, " ".join(problem.messages)
    context = {"commission": commission, "formula": formula, "result": result, "error": error}
    return render(request, "allocations/formula_detail.html", context)


@login_required
def formula_create(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.add_formula")
    form = FormulaCreateForm(request.POST or None, commission=commission)
    if request.method == "POST" and form.is_valid():
        try:
            formula = services.formula_create(
                commission=commission,
                name=form.cleaned_data["name"],
                method=form.cleaned_data["method"],
                total=form.cleaned_data["total"],
                rounding_unit=form.cleaned_data["rounding_unit"],
                basis_dataset=form.cleaned_data["basis_dataset"]
                if form.cleaned_data["method"] == Formula.Method.WEIGHTED
                else None,
                participants=_participants(commission, form),
                categories=_categories(form),
                by=_user(request),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{formula} created.")
            return redirect("formula-detail", commission_pk=commission.pk, pk=formula.pk)
    return render(request, "allocations/formula_form.html", {"commission": commission, "form": form})


def _participants(commission: Commission, form: FormulaCreateForm) -> list[services.ParticipantInput]:
    fixed = form.cleaned_data["method"] == Formula.Method.FIXED
    asked = dict(Membership.objects.filter(commission=commission).values_list("partner_id", "requested_per_year"))
    return [
        services.ParticipantInput(partner, (asked.get(partner.pk) or ZERO) if fixed else None)
        for partner in form.cleaned_data["participants"]
    ]


def _categories(form: FormulaCreateForm) -> list[services.CategoryInput]:
    if form.cleaned_data["method"] != Formula.Method.COST_MODEL:
        return []
    spread = form.cleaned_data["basis_dataset"]
    return [
        services.CategoryInput(
            name=label,
            weight=form.cleaned_data[f"weight_{key}"] or Decimal("0"),
            source=form.cleaned_data["weights_source"],
            partner_kinds=kinds,
            # Housing falls on district councils "spread by population" when a dataset is chosen.
            spread_dataset=spread if key == "housing" else None,
        )
        for key, label, kinds in WALBY_CATEGORIES
    ]


@login_required
def formula_revise(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.add_formula")
    formula = get_object_or_404(commission.formulas.select_related("basis_dataset"), pk=pk)
    form_class = FixedAmountsForm if formula.method == Formula.Method.FIXED else CategoryWeightsForm
    form = form_class(request.POST or None, formula=formula)
    if request.method == "POST" and form.is_valid():
        try:
            revised = _revise(formula, form, _user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Saved as {revised}; version {formula.version} is kept as it was.")
            return redirect("formula-detail", commission_pk=commission.pk, pk=revised.pk)
    context = {"commission": commission, "formula": formula, "form": form}
    return render(request, "allocations/formula_revise.html", context)


def _revise(formula: Formula, form: FixedAmountsForm | CategoryWeightsForm, by: User) -> Formula:
    if isinstance(form, FixedAmountsForm):
        participants = [services.ParticipantInput(partner, amount) for partner, amount in form.amounts()]
        return services.formula_revise(formula=formula, by=by, participants=participants)
    categories = [
        services.CategoryInput(
            name=category.name,
            weight=form.cleaned_data[f"weight_{category.pk}"],
            source=form.cleaned_data[f"source_{category.pk}"],
            partner_kinds=tuple(category.partner_kinds),
            spread_dataset=category.spread_dataset,
        )
        for category in form.categories
    ]
    return services.formula_revise(formula=formula, by=by, total=form.cleaned_data["total"], categories=categories)


@require_POST
@login_required
def formula_draft_requests(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="partners.add_contributionrequest")
    formula = get_object_or_404(commission.formulas, pk=pk)
    try:
        drafted = services.requests_draft(formula=formula, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("formula-detail", commission_pk=commission.pk, pk=formula.pk)
    messages.success(request, f"{len(drafted)} draft requests made from {formula}.")
    return redirect("request-list", commission_pk=commission.pk)


# The sortable columns of each year's table of requests: key -> (header, the fields it orders by, ascending).
REQUEST_COLUMNS = {
    "partner": ("Partner", ["partner_name"]),
    "status": ("Status", ["status", "partner_name"]),
    "amount": ("Amount", ["amount", "partner_name"]),
}


@login_required
def request_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="partners.view_contributionrequest")
    sorting = sorting_from(request.GET, REQUEST_COLUMNS, default="partner")
    requests = list(sort_queryset(selectors.commission_requests(commission), sorting, REQUEST_COLUMNS))
    years: dict[FinancialYear, list[ContributionRequest]] = {}
    for contribution_request in requests:
        years.setdefault(contribution_request.financial_year, []).append(contribution_request)
    totals = {year: sum((r.amount for r in rows), ZERO) for year, rows in years.items()}
    context = {
        "commission": commission,
        "sorting": sorting,
        # A table per year, in year order; within a year, rows in the order chosen.
        "years": [(year, years[year], totals[year]) for year in sorted(years, key=lambda year: year.number)],
        "drafts": any(r.status == ContributionRequest.Status.DRAFT for r in requests),
        "may_issue": _user(request).has_perm("partners.add_requestletter"),
    }
    return render(request, "allocations/request_list.html", context)


# Allocations, budgets, overrides and monitoring -----------------------------------------------------------


@login_required
def allocation_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.view_workstreamallocation")
    context = {"commission": commission, "years": selectors.commission_allocations(commission)}
    return render(request, "allocations/allocation_list.html", context)


@login_required
def year_budget_edit(request: HttpRequest, commission_pk: int, year_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.add_yearbudget")
    year = get_object_or_404(commission.years, pk=year_pk)
    budget = getattr(year, "budget", None)
    initial = {"amount": budget.amount, "rounding_unit": budget.rounding_unit, "note": budget.note} if budget else None
    form = YearBudgetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.year_budget_set(financial_year=year, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{year} budget set to {format_pounds(form.cleaned_data['amount'])} and split.")
            return redirect("allocation-list", commission_pk=commission.pk)
    context = {"commission": commission, "year": year, "form": form}
    return render(request, "allocations/year_budget_form.html", context)


@login_required
def allocation_override(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.change_workstreamallocation")
    allocation = get_object_or_404(
        WorkStreamAllocation.objects.select_related("work_stream", "financial_year").prefetch_related("overrides__by"),
        pk=pk,
        financial_year__commission=commission,
    )
    form = AllocationOverrideForm(request.POST or None, initial={"amount": allocation.amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_override(allocation=allocation, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{allocation} changed; the reason is kept with it.")
            return redirect("allocation-list", commission_pk=commission.pk)
    context = {"commission": commission, "allocation": allocation, "form": form}
    return render(request, "allocations/allocation_override_form.html", context)


@login_required
def monitoring_create(request: HttpRequest, commission_pk: int, year_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.add_monitoringreturn")
    year = get_object_or_404(commission.years, pk=year_pk)
    form = MonitoringReturnForm(request.POST or None, commission=commission)
    if request.method == "POST" and form.is_valid():
        try:
            services.monitoring_return_record(financial_year=year, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, "Monitoring return recorded.")
            return redirect("allocation-list", commission_pk=commission.pk)
    context = {"commission": commission, "year": year, "form": form}
    return render(request, "allocations/monitoring_form.html", context)


# Reconciliation -------------------------------------------------------------------------------------------


@login_required
def reconciliation(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm="allocations.view_tableimport")
    context = {"commission": commission, "report": selectors.commission_reconciliation(commission)}
    return render(request, "allocations/reconciliation.html", context)


@require_POST
@login_required
def allocations_post(request: HttpRequest, commission_pk: int, year_pk: int) -> HttpResponse:
    """Post a year's planned allocations to the ledger, from the year's pool to its work-streams."""
    commission = _commission(request, commission_pk, perm="commissioning.add_ledgertransaction")
    year = get_object_or_404(commission.years, pk=year_pk)
    try:
        made = services.allocations_post_to_ledger(financial_year=year, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if made:
            messages.success(request, f"{len(made)} allocations for {year} posted to the ledger.")
        else:
            messages.info(request, f"Every allocation for {year} is already in the ledger.")
    return redirect("allocation-list", commission_pk=commission.pk)
