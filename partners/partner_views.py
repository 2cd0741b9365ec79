"""Partner set-up pages: the partner list (`/partners/`), adding, changing and ending a partner and its contacts,
and a partner joining or leaving a commission (from the commission's overview).

Staff who read partners see the list; officers (add and change permissions) write; managers and auditors are
refused the forms; partner finance leads and outsiders are refused every page here before any lookup (a lead's
own organisation page is partners/views.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.models import Commission, User
from commissioning.sorting import sort_queryset, sorting_from
from partners import partner_services, selectors
from partners.models import Contact, Membership, Partner
from partners.partner_forms import (
    ContactEndForm,
    ContactForm,
    MembershipForm,
    MembershipLeaveForm,
    PartnerEndForm,
    PartnerFilterForm,
    PartnerForm,
)

PAGE_SIZE = 50
# Sortable columns of the partner list: key → (header, ordering ascending).
COLUMNS = {
    "name": ("Partner", ["name"]),
    "kind": ("Kind", ["kind", "name"]),
    "commissions": ("Commissions", ["commission_count", "name"]),
    "contacts": ("Contacts", ["contact_count", "name"]),
    "ended": ("Ended", ["valid_to", "name"]),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require(request: HttpRequest, *permissions: str) -> None:
    for permission in permissions:
        require_perm(_user(request), permission)


def _partner(request: HttpRequest, pk: int, *permissions: str) -> Partner:
    """A partner for staff holding the permissions; anyone else is refused before the lookup."""
    _require(request, "partners.view_partner", *permissions)
    return get_object_or_404(Partner, pk=pk)


def _contact(partner: Partner, pk: int) -> Contact:
    return get_object_or_404(partner.contacts.all(), pk=pk)


# The partner list ---------------------------------------------------------------------------------------------


@login_required
def partner_list(request: HttpRequest) -> HttpResponse:
    _require(request, "partners.view_partner")
    form = PartnerFilterForm(request.GET or None)
    sorting = sorting_from(request.GET, COLUMNS, default="name")
    page, page_range = None, []
    if not form.is_bound or form.is_valid():
        partners = selectors.partner_list(**(form.filters() if form.is_bound else {}))
        paginator = Paginator(sort_queryset(partners, sorting, COLUMNS), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page_range = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    filtered = form.is_bound and form.is_valid() and any(form.filters().values())
    context = {
        "form": form,
        "page": page,
        "page_range": page_range,
        "ellipsis": Paginator.ELLIPSIS,
        "sorting": sorting,
        "filtered": filtered,
    }
    return render(request, "partners/partner_list.html", context)


# Partners -----------------------------------------------------------------------------------------------------


@login_required
def partner_create(request: HttpRequest) -> HttpResponse:
    _require(request, "partners.add_partner")
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_services.partner_create(by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            return redirect("partner-created", pk=partner.pk)
    return render(request, "partners/partner_form.html", {"form": form})


@login_required
def partner_created(request: HttpRequest, pk: int) -> HttpResponse:
    """Where adding a partner ends: a confirmation, and what to do next."""
    partner = _partner(request, pk, "partners.add_partner")
    return render(request, "partners/partner_created.html", {"partner": partner})


@login_required
def partner_change(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk, "partners.change_partner")
    initial = {"name": partner.name, "kind": partner.kind, "valid_from": partner.valid_from}
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_services.partner_change(partner=partner, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{partner} saved.")
            return redirect(partner.get_absolute_url())
    return render(request, "partners/partner_form.html", {"form": form, "partner": partner})


@login_required
def partner_end(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk, "partners.change_partner")
    form = PartnerEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner_services.partner_end(partner=partner, on=form.cleaned_data["on"], by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{partner} ended; it is kept with its history.")
            return redirect(partner.get_absolute_url())
    return render(request, "partners/partner_end.html", {"partner": partner, "form": form})


# Contacts -----------------------------------------------------------------------------------------------------


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk, "partners.add_contact")
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = partner_services.contact_create(partner=partner, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{contact.name} added as a contact at {partner}.")
            return redirect(f"{partner.get_absolute_url()}#contacts")
    context = {"partner": partner, "form": form, "here": "Add a contact"}
    return render(request, "partners/contact_form.html", context)


@login_required
def contact_change(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    partner = _partner(request, pk, "partners.change_contact")
    contact = _contact(partner, contact_pk)
    initial = {
        "name": contact.name,
        "position": contact.position,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact = partner_services.contact_change(contact=contact, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{contact.name}'s details saved.")
            return redirect(f"{partner.get_absolute_url()}#contacts")
    context = {"partner": partner, "form": form, "contact": contact, "here": f"Change {contact.name}"}
    return render(request, "partners/contact_form.html", context)


@login_required
def contact_end(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    partner = _partner(request, pk, "partners.change_contact")
    contact = _contact(partner, contact_pk)
    form = ContactEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner_services.contact_end(contact=contact, on=form.cleaned_data["on"], by=_user(request))
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{contact.name} recorded as having left; they are kept with their history.")
            return redirect(f"{partner.get_absolute_url()}#contacts")
    return render(request, "partners/contact_end.html", {"partner": partner, "contact": contact, "form": form})


# Membership of a commission -----------------------------------------------------------------------------------


def _commission(request: HttpRequest, commission_pk: int, *permissions: str) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    _require(request, "partners.view_partner", *permissions)
    return commission


@login_required
def membership_create(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "partners.add_membership")
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = partner_services.membership_create(
                commission=commission, by=_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{membership.partner} is now a member of {commission}.")
            return redirect(f"{commission.get_absolute_url()}#partners")
    return render(request, "partners/membership_form.html", {"commission": commission, "form": form})


@login_required
def membership_leave(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, "partners.change_membership")
    membership = get_object_or_404(Membership.objects.select_related("partner").filter(commission=commission), pk=pk)
    form = MembershipLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner_services.membership_leave(
                membership=membership, left_on=form.cleaned_data["left_on"], by=_user(request)
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{membership.partner} recorded as leaving {commission}.")
            return redirect(f"{commission.get_absolute_url()}#partners")
    context = {"commission": commission, "membership": membership, "form": form}
    return render(request, "partners/membership_leave.html", context)
