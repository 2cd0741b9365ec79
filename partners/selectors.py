"""Read queries for partners."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.models import Contact, ContributionRequest, Membership, Partner, PartnerSuccession


def partner_memberships(partner: Partner) -> QuerySet[Membership]:
    return partner.memberships.select_related("commission").order_by("joined_on", "commission__name")


def partner_contacts(partner: Partner) -> QuerySet[Contact]:
    return partner.contacts.filter(valid_to__isnull=True).order_by("name")


def partner_history(partner: Partner) -> tuple[list[PartnerSuccession], list[PartnerSuccession]]:
    """(the organisations it took over from, the organisations that took over from it)."""
    before = list(partner.predecessions.select_related("predecessor").order_by("effective_on"))
    after = list(partner.successions.select_related("successor").order_by("effective_on"))
    return before, after


def visible_partners(user) -> QuerySet[Partner]:  # type: ignore[no-untyped-def]
    """The partners a user may see: all for staff who read partners, their own for a partner login, else none."""
    if getattr(user, "partner_id", None):
        return Partner.objects.filter(pk=user.partner_id)
    if user.has_perm("partners.view_partner"):
        return Partner.objects.all()
    return Partner.objects.none()


def visible_requests(user) -> QuerySet[ContributionRequest]:  # type: ignore[no-untyped-def]
    """The contribution requests a user may see, with what a listing shows, in one query.

    A partner login sees its own partner's requests and no other's, whatever permissions it holds; staff who read
    requests see them all; anyone else sees none.
    """
    requests = ContributionRequest.objects.select_related("partner", "financial_year", "formula").order_by(
        "commission_id", "financial_year__number", "partner_name", "pk"
    )
    if getattr(user, "partner_id", None):
        return requests.filter(partner_id=user.partner_id)
    if user.has_perm("partners.view_contributionrequest"):
        return requests
    return requests.none()
