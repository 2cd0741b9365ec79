"""One search across the apps (issue 7): partners, request letters, decisions and ledger transactions.

It lives in `reports/` because reports reads every app; the core imports none of the others. Each kind is scoped to
what the user may see before anything is matched (staff by the model permission, a partner finance lead to their
own partner and its letters, nothing else), and costs two queries whatever the data: one for the counts and one for
the first `LIMIT` rows, an exact reference or number first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from commissioning import ledger_selectors
from commissioning.models import LedgerTransaction, User
from partners.models import Contact, Partner, RequestLetter
from reports.models import Decision

LIMIT = 20
MIN_LENGTH = 2
MAX_LENGTH = 100

# A request letter's reference as the letter shows it: R<commission id>/<number>, e.g. R4/007.
_LETTER_REFERENCE = re.compile(r"^r(\d{1,9})/(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True)
class CommissionCount:
    """How many of a group's hits belong to one commission, for its "see all" link."""

    commission_id: int
    commission_name: str
    count: int


@dataclass
class Group:
    key: str
    label: str
    items: list[Any] = field(default_factory=list)
    count: int = 0
    by_commission: list[CommissionCount] = field(default_factory=list)
    shown: bool = True  # False when the user may not see this kind at all

    @property
    def truncated(self) -> bool:
        return self.count > len(self.items)


@dataclass
class SearchResults:
    query: str
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def shown(self) -> list[Group]:
        return [group for group in self.groups if group.shown]


def may_search(user: User) -> bool:
    """Staff who read any of the kinds searched, and partner finance leads (their own partner's only)."""
    if getattr(user, "partner_id", None):
        return True
    return any(
        user.has_perm(perm)
        for perm in (
            "partners.view_partner",
            "partners.view_requestletter",
            "reports.view_decision",
            "commissioning.view_ledgertransaction",
        )
    )


def _hidden(group: Group) -> Group:
    group.shown = False
    return group


def _exact_first(condition: Q) -> Case:
    return Case(When(condition, then=Value(0)), default=Value(1), output_field=IntegerField())


def _by_commission(queryset: QuerySet) -> list[CommissionCount]:
    rows = queryset.order_by().values("commission_id", "commission__name").annotate(n=Count("pk"))
    return sorted(
        (CommissionCount(row["commission_id"], row["commission__name"], row["n"]) for row in rows),
        key=lambda row: row.commission_name,
    )


def _partners(user: User, query: str) -> Group:
    group = Group("partners", "Partners")
    if getattr(user, "partner_id", None):
        partners = Partner.objects.filter(pk=user.partner_id)
    elif user.has_perm("partners.view_partner"):
        partners = Partner.objects.all()
    else:
        return _hidden(group)
    contacts = Contact.objects.filter(partner=OuterRef("pk")).filter(
        Q(name__icontains=query) | Q(email__icontains=query)
    )
    # EXISTS rather than a join, so a partner with two matching contacts is listed once.
    found = partners.filter(Q(name__icontains=query) | Exists(contacts))
    group.count = found.count()
    group.items = list(found.annotate(rank=_exact_first(Q(name__iexact=query))).order_by("rank", "name")[:LIMIT])
    return group


def _letters(user: User, query: str) -> Group:
    group = Group("letters", "Request letters")
    letters = RequestLetter.objects.select_related("commission")
    if getattr(user, "partner_id", None):
        letters = letters.filter(partner_id=user.partner_id)
    elif not user.has_perm("partners.view_requestletter"):
        return _hidden(group)
    exact = Q(pk__in=[])
    if match := _LETTER_REFERENCE.match(query):
        exact = Q(commission_id=int(match[1]), number=int(match[2]))
    found = letters.filter(
        exact
        | Q(partner_name__icontains=query)
        | Q(partner__name__icontains=query)
        | Q(commission__name__icontains=query)
        | Q(recipient_name__icontains=query)
    )
    group.count = found.count()
    group.items = list(found.annotate(rank=_exact_first(exact)).order_by("rank", "commission__name", "number")[:LIMIT])
    return group


def _decisions(user: User, query: str) -> Group:
    group = Group("decisions", "Decisions")
    if getattr(user, "partner_id", None) or not user.has_perm("reports.view_decision"):
        return _hidden(group)
    found = Decision.objects.filter(Q(reference__icontains=query) | Q(title__icontains=query))
    group.by_commission = _by_commission(found)
    group.count = sum(row.count for row in group.by_commission)
    ranked = found.select_related("commission").annotate(rank=_exact_first(Q(reference__iexact=query)))
    group.items = list(ranked.order_by("rank", "-reference_year", "reference")[:LIMIT])
    return group


def _transactions(user: User, query: str) -> Group:
    group = Group("transactions", "Ledger transactions")
    if getattr(user, "partner_id", None) or not user.has_perm("commissioning.view_ledgertransaction"):
        return _hidden(group)
    # As the transaction list's filter: a number finds that transaction (in every commission), words the rest.
    found = ledger_selectors.transactions_matching(LedgerTransaction.objects.all(), query)
    group.by_commission = _by_commission(found)
    group.count = sum(row.count for row in group.by_commission)
    ranked = found.select_related("commission", "financial_year")
    group.items = list(ranked.order_by("commission__name", "-number")[:LIMIT])
    return group


def search(user: User, query: str) -> SearchResults:
    """What `query` finds that `user` may see, by kind, each with its full count and at most `LIMIT` rows: an
    exact partner name, letter or decision reference first, then by name or newest; a number finds the transactions
    of that number, as the transaction list's filter does. Eight queries at most, whatever the data. Words are
    matched case-insensitively as a substring (`icontains`, the same on SQLite and PostgreSQL)."""
    query = query.strip()
    groups = [_partners(user, query), _letters(user, query), _decisions(user, query), _transactions(user, query)]
    return SearchResults(query=query, groups=groups)
