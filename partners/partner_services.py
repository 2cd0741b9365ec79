"""Writes for partners, their contacts and their membership of commissions, from the set-up pages.

Each call is one database transaction attributed to the acting user in the audit trail; a refusal raises a
ValidationError that names the figures and writes nothing. Partners, contacts and memberships are ended, never
deleted (DESIGN.md: history is kept). The request workflow's services are in partners/services.py.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from commissioning import history
from commissioning.models import Commission, User
from commissioning.money import format_pounds
from partners.models import Contact, Membership, Partner


def _acting(by: User | None) -> AbstractContextManager[None]:
    return history.acting_as(by) if by is not None else nullcontext()


def _day(value: dt.date) -> str:
    """`1 April 2013`."""
    return f"{value.day} {value:%B %Y}"


def _tidy(text: str) -> str:
    return " ".join(text.split())


# Partners -----------------------------------------------------------------------------------------------------


def _partner_name(name: str, *, exclude: int | None = None) -> str:
    name = _tidy(name)
    clash = Partner.objects.filter(name__iexact=name).exclude(pk=exclude).first()
    if clash is not None:
        raise ValidationError({"name": f"There is already a partner called {clash.name}."})
    return name


@transaction.atomic
def partner_create(*, name: str, kind: str, by: User | None, valid_from: dt.date | None = None) -> Partner:
    """A new partner. Names are unique whatever their capitals, so one organisation is one partner."""
    partner = Partner(name=_partner_name(name), kind=kind, valid_from=valid_from)
    partner.full_clean()
    with _acting(by):
        partner.save()
    return partner


@transaction.atomic
def partner_change(
    *, partner: Partner, name: str, kind: str, by: User | None, valid_from: dt.date | None = None
) -> Partner:
    """Change a partner's name, kind and date of establishment. Issued requests keep the name they were issued
    with (they copy it), so a new name does not rewrite what was asked."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    partner.name = _partner_name(name, exclude=partner.pk)
    partner.kind, partner.valid_from = kind, valid_from
    partner.full_clean()
    with _acting(by):
        partner.save()
    return partner


@transaction.atomic
def partner_end(*, partner: Partner, on: dt.date, by: User | None) -> Partner:
    """End a partner on a day (abolished or merged); it is kept with its history. Refused while it is still a
    member of a commission after that day: record it leaving first."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.valid_to is not None:
        raise ValidationError(f"{partner} already ended on {_day(partner.valid_to)}.")
    if partner.valid_from and on < partner.valid_from:
        raise ValidationError({"on": f"{partner} cannot end before it began ({_day(partner.valid_from)})."})
    staying = list(
        partner.memberships.filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .select_related("commission")
        .order_by("commission__name")
    )
    if staying:
        names = "; ".join(membership.commission.name for membership in staying)
        raise ValidationError(
            {"on": f"{partner} is a member of {names} after {_day(on)}. Record it leaving first, then end it."}
        )
    partner.valid_to = on
    partner.full_clean()
    with _acting(by):
        partner.save(update_fields=["valid_to"])
    return partner


# Contacts -----------------------------------------------------------------------------------------------------


@transaction.atomic
def contact_create(
    *, partner: Partner, name: str, position: str, email: str, role: str, by: User | None, phone: str = ""
) -> Contact:
    """A person at a partner. Refused for a partner that has ended."""
    if partner.valid_to is not None:
        raise ValidationError(f"{partner} ended on {_day(partner.valid_to)}; it takes no new contacts.")
    contact = Contact(
        partner=partner,
        name=_tidy(name),
        position=_tidy(position),
        email=email.strip(),
        phone=_tidy(phone),
        role=role,
    )
    contact.full_clean()
    with _acting(by):
        contact.save()
    return contact


@transaction.atomic
def contact_change(
    *, contact: Contact, name: str, position: str, email: str, role: str, by: User | None, phone: str = ""
) -> Contact:
    """Change a contact's details. One who has left is kept as they were."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.valid_to is not None:
        raise ValidationError(f"{contact.name} left on {_day(contact.valid_to)}; their details are kept as they were.")
    contact.name, contact.position, contact.email = _tidy(name), _tidy(position), email.strip()
    contact.phone, contact.role = _tidy(phone), role
    contact.full_clean()
    with _acting(by):
        contact.save()
    return contact


@transaction.atomic
def contact_end(*, contact: Contact, on: dt.date, by: User | None) -> Contact:
    """Record that a person left their role; they are kept, never deleted, and no longer written to."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.valid_to is not None:
        raise ValidationError(f"{contact.name} already left on {_day(contact.valid_to)}.")
    contact.valid_to = on
    with _acting(by):
        contact.save(update_fields=["valid_to"])
    return contact


# Membership ---------------------------------------------------------------------------------------------------


@transaction.atomic
def membership_create(
    *,
    commission: Commission,
    partner: Partner,
    joined_on: dt.date,
    by: User | None,
    requested_per_year: Decimal | None = None,
) -> Membership:
    """A partner joining a commission on a day, with the yearly contribution the request letter asked of it (if
    stated). Refused for a partner that has ended by then, a negative amount, or a membership that overlaps one
    the partner already has."""
    if partner.valid_to is not None and joined_on > partner.valid_to:
        raise ValidationError({"joined_on": f"{partner} ended on {_day(partner.valid_to)}; it cannot join after."})
    if requested_per_year is not None and requested_per_year < 0:
        raise ValidationError(
            {
                "requested_per_year": "The contribution requested cannot be negative; it is "
                f"{format_pounds(requested_per_year, pence=True)}."
            }
        )
    membership = Membership(
        commission=commission, partner=partner, joined_on=joined_on, requested_per_year=requested_per_year
    )
    membership.full_clean()
    with _acting(by):
        membership.save()
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, left_on: dt.date, by: User | None) -> Membership:
    """Record a partner leaving a commission: the membership is kept, with its last day."""
    membership = Membership.objects.select_for_update().select_related("partner", "commission").get(pk=membership.pk)
    if membership.left_on is not None:
        raise ValidationError(
            f"{membership.partner} already left {membership.commission} on {_day(membership.left_on)}."
        )
    if left_on <= membership.joined_on:
        raise ValidationError(
            {
                "left_on": f"{membership.partner} joined on {_day(membership.joined_on)}; "
                "it must leave after the day it joined."
            }
        )
    membership.left_on = left_on
    membership.full_clean()
    with _acting(by):
        membership.save(update_fields=["left_on"])
    return membership
