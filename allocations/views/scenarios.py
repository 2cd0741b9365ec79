"""Scenario pages: list, 'what if' (preview and save), a scenario beside the live plan, compare two, adopt one.

Staff who may read commissions and scenarios (officer, manager, auditor) see them all; saving needs
`allocations.add_scenario`; adopting, which changes the live formula, needs `allocations.change_formula`
(officers). Partner finance leads and people in no role are refused; anonymous visitors are sent to sign in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from allocations import formulas, scenario_selectors, scenarios
from allocations.models import Formula, Scenario
from allocations.scenario_forms import CompareForm, FormulaChoiceForm, WhatIfForm
from allocations.scenario_services import scenario_adopt as adopt_scenario
from allocations.scenario_services import scenario_save
from allocations.services import formula_spec
from commissioning.models import Commission, User

SAVE_PERMISSION = "allocations.add_scenario"
ADOPT_PERMISSION = "allocations.change_formula"


def _get_commission_for_user(user: User, commission_pk: int) -> Commission:
    """Scenario readers see any commission's scenarios; everyone else is refused before the lookup."""
    if not (user.has_perm("commissioning.view_commission") and user.has_perm("allocations.view_scenario")):
        raise PermissionDenied
    return get_object_or_404(Commission.objects.select_related("host"), pk=commission_pk)


def _get_scenario_for_user(user: User, commission_pk: int, pk: int) -> Scenario:
    commission = _get_commission_for_user(user, commission_pk)
    scenario = get_object_or_404(
        Scenario.objects.select_related("formula", "created_by", "adopted_by", "adopted_formula"),
        commission=commission,
        pk=pk,
    )
    scenario.commission = commission  # already read; saves a query on every use
    return scenario


def _add_errors(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form as a whole."""
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def scenario_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    commission = _get_commission_for_user(user, commission_pk)
    scenarios_list = list(scenario_selectors.scenario_list(commission))
    context = {
        "commission": commission,
        "scenarios": scenarios_list,
        "compare_form": CompareForm(scenarios=scenarios_list) if len(scenarios_list) > 1 else None,
        "has_formulas": bool(scenario_selectors.scenario_formulas(commission)),
    }
    return render(request, "allocations/scenario_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_what_if(request: HttpRequest, commission_pk: int) -> HttpResponse:
    """Choose a formula, then try changes on it: 'Preview' shows the result and writes nothing; 'Save' keeps it."""
    user: User = request.user  # type: ignore[assignment]
    commission = _get_commission_for_user(user, commission_pk)
    available = scenario_selectors.scenario_formulas(commission)
    choice = FormulaChoiceForm(request.GET or None, formulas_available=available)
    if len(available) == 1 and "formula" not in request.GET:
        formula: Formula | None = available[0]
    elif choice.is_bound and choice.is_valid():
        formula = choice.cleaned_data["formula"]
    else:
        formula = None
    if formula is None:
        return render(
            request,
            "allocations/scenario_choose_formula.html",
            {"commission": commission, "form": choice, "formulas": available},
        )
    formula.commission = commission
    spec = formula_spec(formula)
    try:
        live = formulas.compute(spec)
    except formulas.FormulaError as error:
        messages.error(request, f"{formula} cannot be computed as it stands: {error}")
        return redirect("scenario-list", commission_pk=commission.pk)
    target = scenarios.live_target(spec, live)
    form = WhatIfForm(request.POST or None, spec=spec, live=live, target=target)
    preview = None
    can_save = user.has_perm(SAVE_PERMISSION)
    if request.method == "POST" and form.is_valid():
        saving = request.POST.get("action") == "save"
        if saving and not can_save:
            raise PermissionDenied
        try:
            if saving:
                scenario = scenario_save(
                    commission=commission,
                    formula=formula,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    changes=form.changes,
                    by=user,
                )
                messages.success(request, f"Scenario '{scenario.name}' saved.")
                return redirect("scenario-detail", commission_pk=commission.pk, pk=scenario.pk)
            preview = scenario_selectors.scenario_preview(formula=formula, changes=form.changes, spec=spec)
        except ValidationError as error:
            _add_errors(form, error)
    context = {
        "commission": commission,
        "formula": formula,
        "form": form,
        "preview": preview,
        "can_save": can_save,
        "choose_again": len(available) > 1,
    }
    return render(request, "allocations/scenario_what_if.html", context)


@login_required
def scenario_detail(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    scenario = _get_scenario_for_user(user, commission_pk, pk)
    scenario.formula.commission = scenario.commission
    result, problem = None, None
    try:
        result = scenario_selectors.scenario_result(scenario)
    except ValidationError as error:
        problem = " ".join(error.messages)
    is_current = scenario_selectors.formula_is_current(scenario.formula)
    context = {
        "commission": scenario.commission,
        "scenario": scenario,
        "result": result,
        "problem": problem,
        "formula_is_current": is_current,
        "can_adopt": user.has_perm(ADOPT_PERMISSION)
        and scenario.status == Scenario.Status.DRAFT
        and is_current
        and result is not None,
    }
    return render(request, "allocations/scenario_detail.html", context)


@login_required
def scenario_compare(request: HttpRequest, commission_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    commission = _get_commission_for_user(user, commission_pk)
    scenarios_list = list(scenario_selectors.scenario_list(commission))
    for scenario in scenarios_list:
        scenario.commission = commission
    form = CompareForm(request.GET or None, scenarios=scenarios_list)
    comparison, problem = None, None
    if form.is_bound and form.is_valid():
        by_pk = {scenario.pk: scenario for scenario in scenarios_list}
        try:
            comparison = scenario_selectors.scenario_compare(
                by_pk[form.cleaned_data["a"].pk], by_pk[form.cleaned_data["b"].pk]
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
    context = {"commission": commission, "form": form, "comparison": comparison, "problem": problem}
    return render(request, "allocations/scenario_compare.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_adopt(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    """GET asks the officer to confirm, showing what the new version of the formula would ask; POST adopts."""
    user: User = request.user  # type: ignore[assignment]
    scenario = _get_scenario_for_user(user, commission_pk, pk)
    if not user.has_perm(ADOPT_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        try:
            formula = adopt_scenario(scenario=scenario, by=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"'{scenario.name}' is now the live plan: {formula} of the formula.")
        return redirect("scenario-detail", commission_pk=scenario.commission_id, pk=scenario.pk)
    if scenario.status == Scenario.Status.ADOPTED or not scenario_selectors.formula_is_current(scenario.formula):
        return redirect("scenario-detail", commission_pk=scenario.commission_id, pk=scenario.pk)
    scenario.formula.commission = scenario.commission
    try:
        result = scenario_selectors.scenario_result(scenario)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("scenario-detail", commission_pk=scenario.commission_id, pk=scenario.pk)
    context = {"commission": scenario.commission, "scenario": scenario, "result": result}
    return render(request, "allocations/scenario_adopt.html", context)
