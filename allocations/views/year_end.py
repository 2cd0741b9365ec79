"""Year-end and carry-forward pages: each year's underspends (plan and ledger), proposing a carry-forward from
them, and each carry-forward's decisions: outline approval, confirmation, rejection, lapse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from allocations import year_end_selectors, year_end_services
from allocations.year_end_forms import CarryForwardProposeForm
from commissioning import funding_selectors, funding_services
from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.funding_forms import ConfirmForm, DecisionForm, ReasonForm
from commissioning.models import CarryForward, Commission, User
from commissioning.money import format_pounds

VIEW = "commissioning.view_carryforward"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commission(request: HttpRequest, commission_pk: int, *perms: str) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    for perm in perms:
        require_perm(_user(request), perm)
    return commission


def _carry_forward(commission: Commission, pk: int) -> CarryForward:
    return get_object_or_404(funding_selectors.carry_forward_list().filter(commission=commission), pk=pk)


@login_required
def year_end(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, VIEW, "allocations.view_monitoringreturn")
    context = {
        "commission": commission,
        "years": year_end_selectors.commission_year_end(commission),
        "provisional": funding_selectors.provisional_funding(commission),
    }
    return render(request, "allocations/year_end.html", context)


@login_required
def carry_forward_propose(request: HttpRequest, commission_pk: int, year_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.add_carryforward")
    year = get_object_or_404(commission.years, pk=year_pk)
    entry = year_end_selectors.year_end_of(year)
    form = CarryForwardProposeForm(
        request.POST if request.method == "POST" else None, year_end=entry, initial={"amount": entry.total_available}
    )
    if request.method == "POST" and form.is_valid():
        try:
            carry = year_end_services.carry_forward_propose_from_year_end(
                from_year=year, by=_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Carry-forward of {format_pounds(carry.amount)} proposed.")
            return redirect("carry-forward-detail", commission_pk=commission.pk, pk=carry.pk)
    context = {"commission": commission, "entry": entry, "form": form}
    return render(request, "allocations/carry_forward_propose.html", context)


@login_required
def carry_forward_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, VIEW)
    carries = funding_selectors.carry_forward_list().filter(commission=commission)
    context = {
        "commission": commission,
        "carry_forwards": carries,
        "provisional": funding_selectors.provisional_funding(commission),
    }
    return render(request, "allocations/carry_forward_list.html", context)


@login_required
def carry_forward_detail(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, VIEW)
    carry = _carry_forward(commission, pk)
    return render(request, "allocations/carry_forward_detail.html", {"commission": commission, "carry": carry})


# Decisions on a carry-forward: one form page each -----------------------------------------------------------

_ACTIONS: dict[str, dict[str, Any]] = {
    "outline-approve": {
        "perm": "commissioning.approve_funding",
        "form": DecisionForm,
        "service": funding_services.carry_forward_outline_approve,
        "title": "Give outline approval",
        "intro": "Record the decision that gives outline approval. Until the finance approver confirms it, the "
        "carry-forward counts as provisional funding of {to_year}.",
        "submit": "Give outline approval",
        "done": "given outline approval",
    },
    "confirm": {
        "perm": "commissioning.approve_funding",
        "form": ConfirmForm,
        "service": funding_services.carry_forward_confirm,
        "title": "Confirm and post",
        "intro": "As the finance approver (the County Treasurer), confirm the carry-forward. It is posted to the "
        "ledger: each part out of its work-stream's {from_year} budget, {amount} into the {to_year} pool.",
        "submit": "Confirm and post",
        "done": "confirmed and posted",
    },
    "reject": {
        "perm": "commissioning.approve_funding",
        "form": ReasonForm,
        "service": funding_services.carry_forward_reject,
        "title": "Reject",
        "intro": "Say why it is rejected. The carry-forward is kept, marked rejected, with your reason.",
        "submit": "Reject the carry-forward",
        "warning": True,
        "done": "rejected",
    },
    "lapse": {
        "perm": "commissioning.change_carryforward",
        "form": ReasonForm,
        "service": funding_services.carry_forward_lapse,
        "title": "Record that it has lapsed",
        "intro": "Say why: for example, the year closed without a confirmation. Its claim on the {from_year} "
        "underspend ends.",
        "submit": "Record the lapse",
        "warning": True,
        "done": "recorded as lapsed",
    },
}


def _decide(action: str) -> Callable[..., HttpResponse]:
    spec = _ACTIONS[action]

    @login_required
    def view(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
        commission = _commission(request, commission_pk, spec["perm"])
        carry = _carry_forward(commission, pk)
        form_kwargs = {"commission": commission} if spec["form"] is DecisionForm else {}
        form = spec["form"](request.POST if request.method == "POST" else None, **form_kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                spec["service"](carry_forward=carry, by=_user(request), **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, f"Carry-forward of {format_pounds(carry.amount)} {spec['done']}.")
                return redirect("carry-forward-detail", commission_pk=commission.pk, pk=carry.pk)
        words = {"from_year": carry.from_year, "to_year": carry.to_year, "amount": format_pounds(carry.amount)}
        context = {
            "commission": commission,
            "form": form,
            "title": f"{spec['title']}: {format_pounds(carry.amount)} from {carry.from_year} to {carry.to_year}",
            "intro": spec["intro"].format(**words),
            "submit": spec["submit"],
            "warning": spec.get("warning", False),
            "parent_label": "the carry-forward",
            "parent_url": reverse("carry-forward-detail", args=[commission.pk, carry.pk]),
        }
        return render(request, "commissioning/funding_form.html", context)

    view.__name__ = f"carry_forward_{action.replace('-', '_')}"
    return view


carry_forward_outline_approve = _decide("outline-approve")
carry_forward_confirm = _decide("confirm")
carry_forward_reject = _decide("reject")
carry_forward_lapse = _decide("lapse")
