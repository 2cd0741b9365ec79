"""Pages for providers (`/providers/`) and a commission's contracts (`/commissions/<pk>/contracts/`).

Staff who may view providers and contracts read them; officers add providers and contracts, set contracts' values,
record spend and end them. Partner finance leads and outsiders are refused before any lookup.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import contract_selectors, contract_services
from commissioning.access import get_commission_for_user, require_perm
from commissioning.contract_forms import (
    ContractEndForm,
    ContractForm,
    ContractSpendForm,
    ContractValuesForm,
    ProviderEndForm,
    ProviderForm,
)
from commissioning.forms import GovukFormMixin, form_errors
from commissioning.models import Commission, Contract, FinancialYear, Provider, User, WorkStream
from commissioning.money import format_pounds


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require(request: HttpRequest, *permissions: str) -> None:
    for permission in permissions:
        require_perm(_user(request), permission)


def _commission(request: HttpRequest, commission_pk: int, *permissions: str) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    _require(request, *permissions)
    return commission


def _contract(commission: Commission, pk: int) -> Contract:
    return get_object_or_404(contract_selectors.contract_list().filter(commission=commission), pk=pk)


# Providers --------------------------------------------------------------------------------------------------


@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    _require(request, "commissioning.view_provider")
    return render(request, "commissioning/provider_list.html", {"providers": contract_selectors.provider_list()})


@login_required
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "commissioning.view_provider", "commissioning.view_contract")
    provider = get_object_or_404(Provider, pk=pk)
    contracts = contract_selectors.contract_list().filter(provider=provider)
    return render(request, "commissioning/provider_detail.html", {"provider": provider, "contracts": contracts})


@login_required
def provider_create(request: HttpRequest) -> HttpResponse:
    _require(request, "commissioning.add_provider")
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = contract_services.provider_create(by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{provider} added.")
            return redirect("provider-detail", pk=provider.pk)
    return render(request, "commissioning/provider_form.html", {"form": form})


@login_required
def provider_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "commissioning.change_provider")
    provider = get_object_or_404(Provider, pk=pk)
    form = ProviderEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_services.provider_end(provider=provider, on=form.cleaned_data["on"], by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{provider} ended; it is kept with its contracts.")
            return redirect("provider-detail", pk=provider.pk)
    return render(request, "commissioning/provider_end.html", {"provider": provider, "form": form})


# Contracts --------------------------------------------------------------------------------------------------


class ContractFilterForm(GovukFormMixin, forms.Form):
    work_stream = forms.ModelChoiceField(
        label="Work-stream", queryset=WorkStream.objects.none(), required=False, empty_label="All work-streams"
    )
    year = forms.ModelChoiceField(
        label="Financial year", queryset=FinancialYear.objects.none(), required=False, empty_label="All years"
    )

    def __init__(self, *args: Any, commission: Commission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_stream"].queryset = commission.work_streams.order_by("position", "name")
        years = self.fields["year"]
        years.queryset = commission.years.order_by("number")
        years.label_from_instance = lambda year: year.label


@login_required
def contract_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.view_contract")
    form = ContractFilterForm(request.GET or None, commission=commission)
    work_stream = year = None
    if form.is_bound and form.is_valid():
        work_stream, year = form.cleaned_data["work_stream"], form.cleaned_data["year"]
    contracts = contract_selectors.contract_list().filter(commission=commission)
    if work_stream is not None:
        contracts = contracts.filter(work_stream=work_stream)
    if year is not None:
        contracts = contract_selectors.contracts_running_in(contracts, year)
    commitments = contract_selectors.commitments(commission)
    if year is not None:
        commitments = [row for row in commitments if row.year == year]
    context = {
        "commission": commission,
        "form": form,
        "contracts": contracts,
        "commitments": commitments,
        "work_stream": work_stream,
        "year": year,
    }
    return render(request, "commissioning/contract_list.html", context)


@login_required
def contract_detail(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.view_contract")
    contract = _contract(commission, pk)
    context = {"commission": commission, "contract": contract, "detail": contract_selectors.contract_detail(contract)}
    return render(request, "commissioning/contract_detail.html", context)


@login_required
def contract_create(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.add_contract", "commissioning.add_contractvalue")
    form = ContractForm(request.POST or None, commission=commission)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contract = contract_services.contract_create(
                commission=commission,
                provider=data["provider"],
                work_stream=data["work_stream"],
                title=data["title"],
                reference=data["reference"],
                districts=data["districts"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
                values=form.values(),
                by=_user(request),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{contract} added.")
            return redirect(contract.get_absolute_url())
    return render(request, "commissioning/contract_form.html", {"commission": commission, "form": form})


@login_required
def contract_values(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(
        request, commission_pk, "commissioning.add_contractvalue", "commissioning.change_contractvalue"
    )
    contract = _contract(commission, pk)
    initial = {f"value_{row.financial_year_id}": row.value for row in contract.values.all()}
    form = ContractValuesForm(request.POST or None, contract=contract, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contract_services.contract_values_set(contract=contract, values=form.values(), by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Values of {contract} saved.")
            return redirect(contract.get_absolute_url())
    context = {"commission": commission, "contract": contract, "form": form}
    return render(request, "commissioning/contract_values_form.html", context)


@login_required
def contract_spend_create(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.add_contractspend")
    contract = _contract(commission, pk)
    form = ContractSpendForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            record = contract_services.contract_spend_record(contract=contract, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            posted = f"; {format_pounds(record.actual, pence=True)} posted as spend" if record.actual else ""
            messages.success(request, f"{record.financial_year} quarter {record.quarter} recorded{posted}.")
            return redirect(contract.get_absolute_url())
    context = {"commission": commission, "contract": contract, "form": form}
    return render(request, "commissioning/contract_spend_form.html", context)


@login_required
def contract_end(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.change_contract")
    contract = _contract(commission, pk)
    form = ContractEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_services.contract_end(contract=contract, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{contract} ended early.")
            return redirect(contract.get_absolute_url())
    context = {"commission": commission, "contract": contract, "form": form}
    return render(request, "commissioning/contract_end.html", context)
