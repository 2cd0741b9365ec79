"""Pages for a commission's decision records: the list, a decision's page, drafting, recommendations, and the
sign-off workflow (submit, sign off, decide, return to draft).

Every view checks the commission first (staff who may read commissions, so a partner login gets 403), then the
permission of what it does; the services check the acting user again and refuse a transition from the wrong state
with a message, which the page shows as it is.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.models import Commission, User
from commissioning.sorting import sort_queryset, sorting_from
from reports import decision_selectors, decision_services
from reports.decision_forms import DecideForm, DecisionDraftForm, DecisionFilterForm, RecommendationForm, ReturnForm
from reports.models import Decision, DecisionRecommendation, SignOffRole

VIEW = "reports.view_decision"
ADD = "reports.add_decision"
CHANGE = "reports.change_decision"
SIGN_OFF = "commissioning.sign_off_decision"

PAGE_SIZE = 25
# The sortable columns of the decision list: key -> (header, the fields it orders by, ascending).
DECISION_COLUMNS = {
    "reference": ("Reference", ["reference_year", "reference"]),
    "title": ("Title", ["title"]),
    "status": ("Status", ["status", "reference"]),
    "due": ("Due", ["due_on", "reference"]),
    "decided": ("Decided", ["decided_on", "reference"]),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commission(request: HttpRequest, commission_pk: int, *perms: str) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    for perm in (VIEW, *perms):
        require_perm(_user(request), perm)
    return commission


def _decision(commission: Commission, pk: int) -> Decision:
    return get_object_or_404(Decision.objects.select_related("template", "commission"), commission=commission, pk=pk)


def _to_decision(decision: Decision) -> HttpResponse:
    return redirect("decision-detail", commission_pk=decision.commission_id, pk=decision.pk)


def _form_page(request: HttpRequest, commission: Commission, decision: Decision | None, **context: Any) -> HttpResponse:
    parent = (
        {
            "parent_label": decision.reference,
            "parent_url": reverse("decision-detail", args=[commission.pk, decision.pk]),
        }
        if decision
        else {"parent_label": "Decisions", "parent_url": reverse("decision-list", args=[commission.pk])}
    )
    return render(request, "commissioning/funding_form.html", {"commission": commission, **parent, **context})


@login_required
def decision_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk)
    form = DecisionFilterForm(request.GET or None)
    sorting = sorting_from(request.GET, DECISION_COLUMNS, default="-reference")
    page, page_range = None, []
    if form.is_valid() or not form.is_bound:
        filters = form.filters() if form.is_bound else {}
        found = sort_queryset(decision_selectors.decision_list(commission, **filters), sorting, DECISION_COLUMNS)
        paginator = Paginator(found, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page_range = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    context = {
        "commission": commission,
        "form": form,
        "sorting": sorting,
        "page": page,
        "page_range": page_range,
        "ellipsis": Paginator.ELLIPSIS,
        "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
        "has_templates": commission.decision_templates.exists(),  # type: ignore[attr-defined]
    }
    return render(request, "reports/decisions/decision_list.html", context)


@login_required
def decision_detail(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk)
    decision = _decision(commission, pk)
    detail = decision_selectors.decision_detail(decision)
    user = _user(request)
    signable = [role for role in detail.waiting_roles if decision_services.may_sign(user, decision, role)]
    context = {
        "commission": commission,
        "decision": decision,
        "detail": detail,
        "signable": signable if decision.status == Decision.Status.SUBMITTED else [],
        "may_change": user.has_perm(CHANGE),
        "may_sign_off": user.has_perm(SIGN_OFF),
        "may_return": user.has_perm(CHANGE) or user.has_perm(SIGN_OFF),
        "snapshots": list(decision.snapshots.defer("pdf", "data").order_by("version")),  # type: ignore[attr-defined]
        "redaction_count": decision.redactions.count(),  # type: ignore[attr-defined]
        "exempt_count": decision.sections.filter(exempt=True).count(),  # type: ignore[attr-defined]
    }
    return render(request, "reports/decisions/decision_detail.html", context)


@login_required
def decision_create(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, ADD)
    form = DecisionDraftForm(request.POST if request.method == "POST" else None, commission=commission, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            decision = decision_services.decision_create(
                template=form.cleaned_data["template"], data=form.decision_input(), by=_user(request)
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Decision {decision.reference} created as a draft.")
            return _to_decision(decision)
    if not form.fields["template"].queryset.exists():  # type: ignore[attr-defined]
        return render(request, "reports/decisions/no_templates.html", {"commission": commission})
    return _form_page(
        request,
        commission,
        None,
        form=form,
        title="New decision",
        intro="The decision is numbered and given its reference when it is created. Add its recommendations next.",
        submit="Create the draft decision",
    )


@login_required
def decision_edit(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    initial = DecisionDraftForm.initial_for(decision)
    form = DecisionDraftForm(
        request.POST if request.method == "POST" else None, initial=initial, commission=commission, creating=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            decision_services.decision_update(decision=decision, data=form.decision_input(), by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Decision {decision.reference} saved.")
            return _to_decision(decision)
    if not decision.is_editable and request.method == "GET":
        messages.error(
            request,
            f"{decision.reference} is {decision.get_status_display().lower()}: return it to draft to change it.",
        )
        return _to_decision(decision)
    return _form_page(
        request, commission, decision, form=form, title=f"Change {decision.reference}", submit="Save the decision"
    )


@login_required
def recommendation_add(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    form = RecommendationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            added = decision_services.recommendation_add(
                decision=decision, text=form.cleaned_data["text"], by=_user(request)
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Recommendation ({added.numeral}) added.")
            return _to_decision(decision)
    return _form_page(
        request,
        commission,
        decision,
        form=form,
        title=f"Add a recommendation to {decision.reference}",
        intro="Recommendations are numbered (i), (ii), (iii) in the order they are added.",
        submit="Add the recommendation",
    )


@login_required
def recommendation_edit(request: HttpRequest, commission_pk: int, pk: int, number: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    recommendation = get_object_or_404(DecisionRecommendation, decision=decision, number=number)
    form = RecommendationForm(request.POST if request.method == "POST" else None, initial={"text": recommendation.text})
    if request.method == "POST" and form.is_valid():
        try:
            decision_services.recommendation_update(
                recommendation=recommendation, text=form.cleaned_data["text"], by=_user(request)
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Recommendation ({recommendation.numeral}) saved.")
            return _to_decision(decision)
    return _form_page(
        request,
        commission,
        decision,
        form=form,
        title=f"Change recommendation ({recommendation.numeral}) of {decision.reference}",
        submit="Save the recommendation",
    )


@require_POST
@login_required
def decision_submit(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    try:
        decision_services.decision_submit(decision=decision, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{decision.reference} submitted for sign-off.")
    return _to_decision(decision)


@require_POST
@login_required
def decision_sign_off(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk)
    decision = _decision(commission, pk)
    role = request.POST.get("role", "")
    if role not in SignOffRole.values or not decision_services.may_sign(_user(request), decision, role):
        raise PermissionDenied
    try:
        sign_off = decision_services.decision_sign_off(decision=decision, role=role, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Signed off as {sign_off.get_role_display().lower()} by {sign_off.printed_name}.")
    return _to_decision(decision)


@login_required
def decision_decide(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, SIGN_OFF)
    decision = _decision(commission, pk)
    recommendations = list(decision.recommendations.order_by("number"))  # type: ignore[attr-defined]
    form = DecideForm(
        request.POST if request.method == "POST" else None,
        recommendations=recommendations,
        initial={"decided_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            decided = decision_services.decision_decide(
                decision=decision,
                outcome=form.cleaned_data["outcome"],
                decided_on=form.cleaned_data["decided_on"],
                effective_from=form.cleaned_data["effective_from"],
                amendments=form.cleaned_data["amendments"],
                results=form.results(),
                by=_user(request),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            # The service decides a fresh, locked copy: its outcome is on what it returns, not on `decision`.
            messages.success(request, f"{decided.reference} decided: {decided.get_outcome_display().lower()}.")
            return _to_decision(decided)
    call_in = " It is subject to call-in: give the later date it takes effect." if decision.subject_to_call_in else ""
    return _form_page(
        request,
        commission,
        decision,
        form=form,
        title=f"Record the decision on {decision.reference}",
        intro=f"{decision.title}. Give the outcome and each recommendation's result.{call_in}",
        submit="Record the decision",
    )


@login_required
def decision_return(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk)
    user = _user(request)
    if not (user.has_perm(CHANGE) or user.has_perm(SIGN_OFF)):
        raise PermissionDenied
    decision = _decision(commission, pk)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decision_services.decision_return_to_draft(decision=decision, reason=form.cleaned_data["reason"], by=user)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{decision.reference} returned to draft.")
            return _to_decision(decision)
    return _form_page(
        request,
        commission,
        decision,
        form=form,
        title=f"Return {decision.reference} to draft",
        intro="A submitted or signed-off decision is returned to draft to be changed. Its sign-offs are cleared.",
        submit="Return to draft",
        warning=True,
    )
