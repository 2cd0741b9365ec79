"""Pages for reserves and their drawdowns, and for the pool rules.

Every view checks the commission first (staff who may read commissions), then the permission of what it reads or
changes; the services check the acting user again. The per-partner pool view also admits that partner's own
finance lead, and shows any other partner to them as missing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import funding_selectors, funding_services
from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.funding_forms import DecisionForm, DrawdownProposeForm, PoolRulesForm, ReasonForm
from commissioning.models import Commission, Reserve, ReserveDrawdown, User
from commissioning.money import format_pounds

VIEW_RESERVE = "commissioning.view_reserve"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commission(request: HttpRequest, commission_pk: int, *perms: str) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    for perm in perms:
        require_perm(_user(request), perm)
    return commission


def _reserve(commission: Commission, pk: int) -> Reserve:
    return get_object_or_404(commission.reserves, pk=pk)


def _drawdown(reserve: Reserve, pk: int) -> ReserveDrawdown:
    return get_object_or_404(reserve.drawdowns.select_related("financial_year", "reserve"), pk=pk)


# Reserves ---------------------------------------------------------------------------------------------------


@login_required
def reserve_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, VIEW_RESERVE)
    context = {"commission": commission, "positions": funding_selectors.reserve_positions(commission)}
    return render(request, "commissioning/reserve_list.html", context)


@login_required
def reserve_detail(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, VIEW_RESERVE, "commissioning.view_reservedrawdown")
    reserve = _reserve(commission, pk)
    position = funding_selectors.reserve_position(reserve, with_drawdowns=True)
    return render(request, "commissioning/reserve_detail.html", {"commission": commission, "position": position})


@require_POST
@login_required
def reserve_post_opening(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.change_reserve")
    reserve = _reserve(commission, pk)
    try:
        tx = funding_services.reserve_opening_balance_post(reserve=reserve, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Opening balance of {format_pounds(reserve.opening_balance)} posted (#{tx.number}).")
    return redirect("reserve-detail", commission_pk=commission.pk, pk=reserve.pk)


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "commissioning/funding_form.html", context)


@login_required
def drawdown_propose(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.add_reservedrawdown")
    reserve = _reserve(commission, pk)
    form = DrawdownProposeForm(request.POST if request.method == "POST" else None, commission=commission)
    if request.method == "POST" and form.is_valid():
        try:
            funding_services.reserve_drawdown_propose(reserve=reserve, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Drawdown of {format_pounds(form.cleaned_data['amount'])} proposed.")
            return redirect("reserve-detail", commission_pk=commission.pk, pk=reserve.pk)
    position = funding_selectors.reserve_position(reserve)
    return _form_page(
        request,
        {
            "commission": commission,
            "form": form,
            "title": f"Propose a drawdown from the {reserve.name}",
            "intro": f"It has {format_pounds(position.available)} free to commit: "
            f"{format_pounds(position.base)} less {format_pounds(position.approved_not_posted)} "
            "committed to approved drawdowns. A decision-maker approves the drawdown before it is posted.",
            "protocol": reserve.protocol,
            "submit": "Propose the drawdown",
            "parent_label": reserve.name,
            "parent_url": reserve_url(commission, reserve),
        },
    )


def reserve_url(commission: Commission, reserve: Reserve) -> str:
    return reverse("reserve-detail", args=[commission.pk, reserve.pk])


@login_required
def drawdown_approve(request: HttpRequest, commission_pk: int, pk: int, drawdown_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.approve_funding")
    reserve = _reserve(commission, pk)
    drawdown = _drawdown(reserve, drawdown_pk)
    form = DecisionForm(request.POST if request.method == "POST" else None, commission=commission)
    if request.method == "POST" and form.is_valid():
        try:
            funding_services.reserve_drawdown_approve(drawdown=drawdown, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Drawdown of {format_pounds(drawdown.amount)} approved.")
            return redirect("reserve-detail", commission_pk=commission.pk, pk=reserve.pk)
    return _form_page(
        request,
        {
            "commission": commission,
            "form": form,
            "title": f"Approve the drawdown of {format_pounds(drawdown.amount)} into {drawdown.financial_year}",
            "intro": f"Proposed because: {drawdown.reason}",
            "protocol": reserve.protocol,
            "submit": "Approve the drawdown",
            "parent_label": reserve.name,
            "parent_url": reserve_url(commission, reserve),
        },
    )


@login_required
def drawdown_reject(request: HttpRequest, commission_pk: int, pk: int, drawdown_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.approve_funding")
    reserve = _reserve(commission, pk)
    drawdown = _drawdown(reserve, drawdown_pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            funding_services.reserve_drawdown_reject(drawdown=drawdown, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Drawdown of {format_pounds(drawdown.amount)} rejected.")
            return redirect("reserve-detail", commission_pk=commission.pk, pk=reserve.pk)
    return _form_page(
        request,
        {
            "commission": commission,
            "form": form,
            "title": f"Reject the drawdown of {format_pounds(drawdown.amount)} into {drawdown.financial_year}",
            "intro": "Say why it is rejected. The drawdown is kept, marked rejected, with your reason.",
            "submit": "Reject the drawdown",
            "warning": True,
            "parent_label": reserve.name,
            "parent_url": reserve_url(commission, reserve),
        },
    )


@require_POST
@login_required
def drawdown_post(request: HttpRequest, commission_pk: int, pk: int, drawdown_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.change_reservedrawdown")
    reserve = _reserve(commission, pk)
    drawdown = _drawdown(reserve, drawdown_pk)
    try:
        drawdown = funding_services.reserve_drawdown_post(drawdown=drawdown, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Drawdown of {format_pounds(drawdown.amount)} posted to the {drawdown.financial_year} pool "
            f"(#{drawdown.transaction.number}).",
        )
    return redirect("reserve-detail", commission_pk=commission.pk, pk=reserve.pk)


# Pool rules -------------------------------------------------------------------------------------------------


@login_required
def pool_rules(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.view_poolrules")
    rules, is_set = funding_selectors.pool_rules_of(commission)
    context = {
        "commission": commission,
        "rules": rules,
        "is_set": is_set,
        "years": funding_selectors.pool_years(commission),
        "partners": commission.memberships.select_related("partner").order_by("partner__name"),
    }
    return render(request, "commissioning/pool_rules.html", context)


@login_required
def pool_rules_edit(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.add_poolrules", "commissioning.change_poolrules")
    rules, _ = funding_selectors.pool_rules_of(commission)
    form = PoolRulesForm(
        request.POST if request.method == "POST" else None,
        commission=commission,
        initial=PoolRulesForm.initial_for(rules),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            funding_services.pool_rules_set(
                commission=commission,
                by=_user(request),
                overspend_order=data["overspend_order"],
                reserve=data["reserve"],
                reductions_limit=data["reductions_limit"],
                cap_at_contribution=data["cap_at_contribution"],
                underspends_stay_in_pool=data["underspends_stay_in_pool"],
                agreement=data["agreement"],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, "Pool rules saved.")
            return redirect("pool-rules", commission_pk=commission.pk)
    return _form_page(
        request,
        {
            "commission": commission,
            "form": form,
            "title": "Set the pool rules",
            "intro": "The host holds the pool. An overspend is met by the steps below in order; what they leave "
            "is shared among the partners pro rata to their contributions to the year.",
            "submit": "Save the pool rules",
            "parent_label": "Pool rules",
            "parent_url": reverse("pool-rules", args=[commission.pk]),
        },
    )


def _pool_partner_for_user(user: User, commission_pk: int, partner_pk: int) -> tuple[Commission, Any]:
    """Staff who may read the pool see any partner of the commission; a partner's finance lead sees only their own
    (another partner, or a commission theirs is not in, is a 404, as if missing); anyone else is refused."""
    if user.partner_id:
        if user.partner_id != partner_pk:
            raise Http404
        members = Commission.objects.filter(memberships__partner_id=partner_pk).distinct()
        return get_object_or_404(members.select_related("host"), pk=commission_pk), user.partner
    if not (user.has_perm("commissioning.view_commission") and user.has_perm("commissioning.view_poolrules")):
        raise PermissionDenied
    commission = get_object_or_404(Commission.objects.select_related("host"), pk=commission_pk)
    membership = commission.memberships.select_related("partner").filter(partner_id=partner_pk).first()
    if membership is None:
        raise Http404
    return commission, membership.partner


@login_required
def pool_partner(request: HttpRequest, commission_pk: int, partner_pk: int) -> HttpResponse:
    user = _user(request)
    commission, partner = _pool_partner_for_user(user, commission_pk, partner_pk)
    context = {
        "commission": commission,
        "partner": partner,
        "statement": funding_selectors.partner_pool_statement(commission, partner),
        "is_staff_reader": not user.partner_id,
    }
    return render(request, "commissioning/pool_partner.html", context)
