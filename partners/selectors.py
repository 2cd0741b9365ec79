"""Read queries for partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.models import Commission
from commissioning.money import ZERO, MoneyField
from partners.models import (
    Contact,
    ContributionRequest,
    Membership,
    OutgoingEmail,
    Partner,
    PartnerSuccession,
    Pledge,
    ProFormaReturn,
    ProFormaReturnLine,
    RequestLetter,
)


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

    A partner login sees its own partner's issued requests (not drafts) and no other's, whatever permissions it
    holds; staff who read requests see them all; anyone else sees none.
    """
    requests = ContributionRequest.objects.select_related("partner", "financial_year", "formula").order_by(
        "commission_id", "financial_year__number", "partner_name", "pk"
    )
    if getattr(user, "partner_id", None):
        # A draft has been sent to no one: the partner sees a request once it is issued.
        return requests.filter(partner_id=user.partner_id, status=ContributionRequest.Status.ISSUED)
    if user.has_perm("partners.view_contributionrequest"):
        return requests
    return requests.none()


# The request workflow ------------------------------------------------------------------------------------------


def visible_letters(user) -> QuerySet[RequestLetter]:  # type: ignore[no-untyped-def]
    """Request letters a user may see: a partner login its own partner's only; staff who read requests, all."""
    letters = RequestLetter.objects.select_related("commission", "partner").order_by("commission_id", "number")
    if getattr(user, "partner_id", None):
        return letters.filter(partner_id=user.partner_id)
    if user.has_perm("partners.view_requestletter"):
        return letters
    return letters.none()


def visible_returns(user) -> QuerySet[ProFormaReturn]:  # type: ignore[no-untyped-def]
    returns = ProFormaReturn.objects.select_related("letter__commission", "letter__partner").prefetch_related(
        Prefetch("lines", queryset=ProFormaReturnLine.objects.select_related("financial_year"))
    )
    returns = returns.order_by("letter__commission_id", "letter__number", "number")
    if getattr(user, "partner_id", None):
        return returns.filter(letter__partner_id=user.partner_id)
    if user.has_perm("partners.view_proformareturn"):
        return returns
    return returns.none()


def visible_pledges(user) -> QuerySet[Pledge]:  # type: ignore[no-untyped-def]
    pledges = Pledge.objects.select_related("partner", "financial_year", "pro_forma_return__letter", "transaction")
    pledges = pledges.order_by("commission_id", "financial_year__number", "partner__name", "pk")
    if getattr(user, "partner_id", None):
        return pledges.filter(partner_id=user.partner_id)
    if user.has_perm("partners.view_pledge"):
        return pledges
    return pledges.none()


def letter_detail(letter: RequestLetter) -> dict[str, Any]:
    """A letter's requests, returns (newest first, with their lines) and history, in a few queries."""
    returns = list(
        letter.returns.prefetch_related(
            Prefetch("lines", queryset=ProFormaReturnLine.objects.select_related("financial_year"))
        ).order_by("-number")
    )
    return {
        "requests": list(letter.requests.select_related("financial_year").order_by("financial_year__number")),
        "returns": returns,
        "latest_return": returns[0] if returns else None,
        "events": list(letter.events.select_related("by", "pro_forma_return").order_by("at", "pk")),
        "pledges": list(letter_pledges(letter)),
        "emails": list(letter.emails.order_by("claimed_at", "pk")),
    }


def letter_pledges(letter: RequestLetter) -> QuerySet[Pledge]:
    return Pledge.objects.filter(pro_forma_return__letter=letter).select_related("financial_year", "transaction")


@dataclass
class ReturnRow:
    letter: RequestLetter
    requested: Decimal
    latest_return: ProFormaReturn | None
    offered: Decimal | None  # what the latest return agrees to, over all years
    pledged: Decimal
    overdue: bool
    days_overdue: int
    last_reminder: OutgoingEmail | None

    @property
    def counter_offer(self) -> bool:
        return bool(self.latest_return and self.latest_return.counter_offer)

    @property
    def declined(self) -> bool:
        return self.latest_return is not None and self.latest_return.option == ProFormaReturn.Option.DECLINE


@dataclass
class ShortfallLine:
    letter: RequestLetter
    reason: str
    amount: Decimal


@dataclass
class ReturnsDashboard:
    rows: list[ReturnRow]
    counts: dict[str, int]
    requested: Decimal  # everything the issued letters ask
    agreed: Decimal  # what returns agreeing to contribute offer (accepted or waiting for review)
    secured_from_returns: Decimal  # pledges made by accepting returns
    secured_other: Decimal  # pledges recorded without a return (the host's own)
    target: Decimal
    shortfall: list[ShortfallLine]

    @property
    def secured(self) -> Decimal:
        return self.secured_from_returns + self.secured_other

    @property
    def to_target(self) -> Decimal:
        """How far the secured total is from the commission's target (negative when it is passed)."""
        return self.target - self.secured

    @property
    def shortfall_total(self) -> Decimal:
        return sum((line.amount for line in self.shortfall), ZERO)

    @property
    def chase_list(self) -> list[ReturnRow]:
        return sorted(
            (row for row in self.rows if row.overdue), key=lambda row: (-row.days_overdue, row.letter.partner_name)
        )


def returns_dashboard(commission: Commission, *, today: date | None = None) -> ReturnsDashboard:
    """Where every issued request of a commission stands: counts by state, amounts, the running total secured
    against the target, the chase list of overdue partners, and the shortfall. A fixed number of queries."""
    today = today or timezone.localdate()
    letters = list(
        commission.request_letters.select_related("partner")
        .prefetch_related(
            Prefetch("requests", queryset=ContributionRequest.objects.order_by("financial_year__number")),
            Prefetch(
                "returns",
                queryset=ProFormaReturn.objects.prefetch_related("lines").order_by("-number"),
                to_attr="returns_newest_first",
            ),
            Prefetch(
                "emails",
                queryset=OutgoingEmail.objects.filter(
                    key__contains=":reminder-", status=OutgoingEmail.Status.SENT
                ).order_by("-sent_at"),
                to_attr="reminders_sent",
            ),
        )
        .order_by("partner_name", "number")
    )
    pledged_by_letter = dict(
        Pledge.objects.filter(pro_forma_return__letter__commission=commission)
        .values_list("pro_forma_return__letter_id")
        .annotate(total=Sum("amount"))
        .values_list("pro_forma_return__letter_id", "total")
    )
    secured_other = commission.pledges.filter(pro_forma_return__isnull=True).aggregate(
        total=Coalesce(Sum("amount"), ZERO, output_field=MoneyField())
    )["total"]
    rows = []
    for letter in letters:
        requested = sum((request.amount for request in letter.requests.all()), ZERO)
        latest = letter.returns_newest_first[0] if letter.returns_newest_first else None
        offered = sum((line.offered for line in latest.lines.all()), ZERO) if latest else None
        overdue = letter.is_overdue(today)
        rows.append(
            ReturnRow(
                letter=letter,
                requested=requested,
                latest_return=latest,
                offered=offered,
                pledged=pledged_by_letter.get(letter.pk) or ZERO,
                overdue=overdue,
                days_overdue=(today - letter.deadline).days if overdue else 0,
                last_reminder=letter.reminders_sent[0] if letter.reminders_sent else None,
            )
        )
    counts = {
        "issued": len(rows),
        "viewed": sum(1 for row in rows if row.letter.status != RequestLetter.Status.ISSUED),
        "returned": sum(1 for row in rows if row.latest_return is not None),
        "agreed": sum(1 for row in rows if row.latest_return and not row.declined),
        "declined": sum(1 for row in rows if row.declined),
        "awaiting_review": sum(1 for row in rows if row.letter.status == RequestLetter.Status.RETURNED),
        "accepted": sum(1 for row in rows if row.letter.status == RequestLetter.Status.ACCEPTED),
        "overdue": sum(1 for row in rows if row.overdue),
        "counter_offers": sum(1 for row in rows if row.counter_offer),
    }
    shortfall = []
    for row in rows:
        status = row.letter.status
        if status == RequestLetter.Status.DECLINED:
            shortfall.append(ShortfallLine(row.letter, "Declined", row.requested))
        elif status == RequestLetter.Status.ACCEPTED and row.pledged < row.requested:
            shortfall.append(
                ShortfallLine(row.letter, "Counter-offer: pledged less than asked", row.requested - row.pledged)
            )
        elif status != RequestLetter.Status.ACCEPTED:
            reason = "Overdue, no reply" if row.overdue else "Not yet secured"
            shortfall.append(ShortfallLine(row.letter, reason, row.requested))
    return ReturnsDashboard(
        rows=rows,
        counts=counts,
        requested=sum((row.requested for row in rows), ZERO),
        agreed=sum((row.offered for row in rows if row.offered is not None and not row.declined), ZERO),
        secured_from_returns=sum((row.pledged for row in rows), ZERO),
        secured_other=secured_other,
        target=commission.target,
        shortfall=shortfall,
    )


# The partner list ------------------------------------------------------------------------------------------------

ACTIVE, ENDED = "active", "ended"


def partner_list(
    *,
    name: str = "",
    kind: str = "",
    status: str = "",
    commission: Commission | None = None,
) -> QuerySet[Partner]:
    """Partners matching the filters, each with how many commissions it belongs to now and has contacts, in one
    query (counted as subqueries, so the counts do not multiply each other). `status` is `active`, `ended` or ``."""
    current_memberships = (
        Membership.objects.filter(partner=OuterRef("pk"), left_on__isnull=True)
        .values("partner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    current_contacts = (
        Contact.objects.filter(partner=OuterRef("pk"), valid_to__isnull=True)
        .values("partner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    partners = Partner.objects.annotate(
        commission_count=Coalesce(Subquery(current_memberships), 0),
        contact_count=Coalesce(Subquery(current_contacts), 0),
    )
    if name.strip():
        partners = partners.filter(name__icontains=name.strip())
    if kind:
        partners = partners.filter(kind=kind)
    if status == ACTIVE:
        partners = partners.filter(valid_to__isnull=True)
    elif status == ENDED:
        partners = partners.filter(valid_to__isnull=False)
    if commission is not None:
        partners = partners.filter(Exists(Membership.objects.filter(partner=OuterRef("pk"), commission=commission)))
    return partners.order_by("name", "pk")
