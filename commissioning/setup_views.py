"""Setting up a commission as pages: create one, change it, and add, change and end its work-streams and set their
pooled shares. Officers (add and change permissions) write; managers and auditors read the commission but are
refused these pages; partner finance leads and outsiders are refused before any lookup."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import services
from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.models import Commission, User, WorkStream
from commissioning.setup_forms import (
    CommissionChangeForm,
    CommissionForm,
    EndForm,
    WorkStreamForm,
    WorkStreamSharesForm,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commission(request: HttpRequest, pk: int, *permissions: str) -> Commission:
    commission = get_commission_for_user(_user(request), pk)
    for permission in permissions:
        require_perm(_user(request), permission)
    return commission


def _work_stream(commission: Commission, pk: int) -> WorkStream:
    return get_object_or_404(commission.work_streams.all(), pk=pk)


# The commission -----------------------------------------------------------------------------------------------


@login_required
def commission_create(request: HttpRequest) -> HttpResponse:
    require_perm(_user(request), "commissioning.add_commission")
    require_perm(_user(request), "commissioning.add_financialyear")
    form = CommissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commission = services.commission_create(
                name=data["name"],
                host_id=data["host"].pk,
                target=data["target"],
                first_year=data["first_year"],
                number_of_years=data["number_of_years"],
                by=_user(request),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            return redirect("commission-created", pk=commission.pk)
    return render(request, "commissioning/commission_form.html", {"form": form})


@login_required
def commission_created(request: HttpRequest, pk: int) -> HttpResponse:
    """Where creating a commission ends: a confirmation, and what to set up next."""
    commission = _commission(request, pk, "commissioning.add_commission")
    years = list(commission.years.order_by("number"))
    return render(request, "commissioning/commission_created.html", {"commission": commission, "years": years})


@login_required
def commission_change(request: HttpRequest, pk: int) -> HttpResponse:
    commission = _commission(request, pk, "commissioning.change_commission")
    form = CommissionChangeForm(request.POST or None, commission=commission)
    if request.method == "POST" and form.is_valid():
        try:
            services.commission_change(commission=commission, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['name']} saved.")
            return redirect("commission-detail", pk=commission.pk)
    return render(request, "commissioning/commission_change.html", {"commission": commission, "form": form})


# Work-streams -------------------------------------------------------------------------------------------------


@login_required
def work_stream_create(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.add_workstream")
    form = WorkStreamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stream = services.work_stream_create(commission=commission, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{stream} added. Set its pooled share with the others' if it takes one.")
            return redirect("work-stream-shares", commission_pk=commission.pk)
    context = {"commission": commission, "form": form, "here": "Add a work-stream"}
    return render(request, "commissioning/work_stream_form.html", context)


@login_required
def work_stream_change(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.change_workstream")
    stream = _work_stream(commission, pk)
    initial = {
        "name": stream.name,
        "description": stream.description,
        "outcomes": stream.outcomes,
        "position": stream.position,
    }
    form = WorkStreamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            stream = services.work_stream_change(work_stream=stream, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{stream} saved.")
            return redirect(f"{commission.get_absolute_url()}#work-streams")
    context = {"commission": commission, "form": form, "stream": stream, "here": f"Change {stream.name}"}
    return render(request, "commissioning/work_stream_form.html", context)


@login_required
def work_stream_end(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.change_workstream")
    stream = _work_stream(commission, pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.work_stream_end(work_stream=stream, on=form.cleaned_data["on"], by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{stream} ended; it is kept with its history.")
            return redirect(f"{commission.get_absolute_url()}#work-streams")
    return render(
        request, "commissioning/work_stream_end.html", {"commission": commission, "stream": stream, "form": form}
    )


@login_required
def work_stream_shares(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "commissioning.change_workstream")
    streams = list(commission.work_streams.filter(valid_to__isnull=True).order_by("position", "name"))
    form = WorkStreamSharesForm(request.POST or None, streams=streams)
    if request.method == "POST" and form.is_valid():
        try:
            services.work_stream_shares_set(commission=commission, shares=form.shares(), by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, "Pooled shares saved; they sum to 100%.")
            return redirect(f"{commission.get_absolute_url()}#work-streams")
    return render(request, "commissioning/work_stream_shares.html", {"commission": commission, "form": form})
