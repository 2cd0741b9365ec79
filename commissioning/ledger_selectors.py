"""Reads of the ledger, aggregated in the database: balances, and the integrity check behind `ledger_check`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from commissioning.ledger import GENESIS, Entry, transaction_digest
from commissioning.models import Account, Commission, LedgerHead, LedgerTransaction, Posting
from commissioning.money import ZERO, MoneyField, format_pounds


def accounts_with_balances(commission: Commission) -> QuerySet[Account]:
    """The commission's accounts, each with `posted` = the sum of its postings, computed in the database."""
    return commission.accounts.annotate(
        posted=Coalesce(Sum("postings__amount"), ZERO, output_field=MoneyField())
    ).order_by("kind", "key")


def transactions(commission: Commission) -> QuerySet[LedgerTransaction]:
    return commission.ledger_transactions.select_related("financial_year", "posted_by").order_by("-number")


@dataclass
class Integrity:
    transactions: int = 0
    postings: int = 0
    accounts: int = 0
    commissions: int = 0
    problems: list[str] = field(default_factory=list)


def ledger_integrity() -> Integrity:
    """Every check `ledger_check` makes. Reads each posting once; the sums and counts are done in the database."""
    report = Integrity()
    unbalanced = (
        LedgerTransaction.objects.annotate(
            total=Coalesce(Sum("postings__amount"), ZERO, output_field=MoneyField()), lines=Count("postings")
        )
        .filter(~Q(total=0) | Q(lines__lt=2))
        .select_related("commission")
    )
    for tx in unbalanced:
        report.problems.append(
            f"Transaction #{tx.number} of {tx.commission} (id {tx.pk}) does not balance: "
            f"{tx.lines} posting(s) summing to {format_pounds(tx.total, pence=True)}."
        )
    wrong = accounts_with_balances_all().exclude(balance=F("posted"))
    for account in wrong:
        report.problems.append(
            f"Account '{account}' (id {account.pk}) shows a balance of {format_pounds(account.balance, pence=True)} "
            f"but its postings sum to {format_pounds(account.posted, pence=True)}."
        )
    _check_chains(report)
    report.accounts = Account.objects.count()
    return report


def accounts_with_balances_all() -> QuerySet[Account]:
    return Account.objects.annotate(posted=Coalesce(Sum("postings__amount"), ZERO, output_field=MoneyField()))


def _check_chains(report: Integrity) -> None:
    postings: dict[int, list[Entry]] = defaultdict(list)
    for posting in Posting.objects.select_related("account").order_by("transaction_id", "pk"):
        postings[posting.transaction_id].append(Entry(posting.account, posting.amount))
        report.postings += 1
    heads = {head.commission_id: head for head in LedgerHead.objects.all()}
    digests: dict[int, tuple[int, str]] = {}
    for tx in LedgerTransaction.objects.select_related("commission").order_by("commission_id", "number"):
        report.transactions += 1
        count, previous = digests.get(tx.commission_id, (0, GENESIS))
        if tx.number != count + 1:
            report.problems.append(
                f"Transaction #{tx.number} of {tx.commission} follows #{count}: a number is missing."
            )
        expected = transaction_digest(previous, tx, postings[tx.pk])
        if tx.digest != expected:
            report.problems.append(
                f"Transaction #{tx.number} of {tx.commission} (id {tx.pk}) was altered after it was posted: "
                "its content no longer matches its digest."
            )
        digests[tx.commission_id] = (tx.number, tx.digest)
    for commission_id, (count, digest) in digests.items():
        head = heads.get(commission_id)
        if head is None or (head.count, head.digest) != (count, digest):
            report.problems.append(
                f"The ledger head of commission {commission_id} does not match its last transaction."
            )
    report.commissions = len(digests)


def transaction_list(
    commission: Commission | None = None,
    *,
    start_year: int | None = None,
    kind: str = "",
    partner_id: int | None = None,
    work_stream_id: int | None = None,
    text: str = "",
) -> QuerySet[LedgerTransaction]:
    """Transactions, latest first: one commission's, or every commission's when none is given, narrowed as
    `transactions_narrowed` says, and by `text` as `transactions_matching` says. Each comes with its year, who
    posted it, its source's type, what it reverses or is reversed by, and its postings with their accounts: two
    queries for any page of them."""
    found = LedgerTransaction.objects.select_related(
        "financial_year", "posted_by", "source_type", "reverses", "reversed_by"
    )
    if commission is not None:
        found = found.filter(commission=commission)
    found = transactions_narrowed(
        found, start_year=start_year, kind=kind, partner_id=partner_id, work_stream_id=work_stream_id
    )
    if text:
        found = transactions_matching(found, text)
    return found.prefetch_related(
        Prefetch("postings", queryset=Posting.objects.select_related("account__financial_year").order_by("pk"))
    ).order_by("commission_id", "-number")


def transactions_matching(transactions: QuerySet[LedgerTransaction], text: str) -> QuerySet[LedgerTransaction]:
    """A number (with or without "#") finds the transaction of that number; anything else, the transactions whose
    narrative or source reference contains it, case-insensitively. The list's filter and the search box agree."""
    number = text.strip().removeprefix("#")
    # 18 digits fit a 64-bit integer; a longer number can match no transaction.
    if number.isdigit():
        return transactions.filter(number=int(number)) if len(number) <= 18 else transactions.none()
    return transactions.filter(Q(narrative__icontains=text) | Q(source_reference__icontains=text))


def transactions_narrowed(
    transactions: QuerySet[LedgerTransaction],
    *,
    start_year: int | None = None,
    kind: str = "",
    partner_id: int | None = None,
    work_stream_id: int | None = None,
) -> QuerySet[LedgerTransaction]:
    """Narrow transactions by any of: a financial year, by the calendar year it starts in (the year's own
    transactions and any that post into it, such as a carry-forward from an earlier year); a kind; a partner or a
    work-stream (a posting to one of its accounts). Each is an EXISTS on the postings, so nothing is repeated."""
    postings = Posting.objects.filter(transaction=OuterRef("pk"))
    if start_year is not None:
        transactions = transactions.filter(
            Q(financial_year__start_year=start_year)
            | Exists(postings.filter(account__financial_year__start_year=start_year))
        )
    if kind:
        transactions = transactions.filter(kind=kind)
    if partner_id is not None:
        transactions = transactions.filter(Exists(postings.filter(account__partner_id=partner_id)))
    if work_stream_id is not None:
        transactions = transactions.filter(Exists(postings.filter(account__work_stream_id=work_stream_id)))
    return transactions


def ledger_partners(commission: Commission) -> list[tuple[int, str]]:
    """(id, name) of every partner with an account in the commission's ledger, by name. One query."""
    return list(
        commission.accounts.filter(partner__isnull=False)
        .values_list("partner_id", "partner__name")
        .distinct()
        .order_by("partner__name", "partner_id")
    )
