"""Every write to the pooled-fund ledger goes through this module; each call is one database transaction.

A posting's amount is positive for a debit and negative for a credit. The accounts, by what they hold:

| event | debit | credit |
| --- | --- | --- |
| pledge accepted (partner, year) | pledged (partner, year) | pool (year) |
| contribution invoiced | invoiced (partner, year) | pledged (partner, year) |
| contribution received | cash | invoiced (partner, year) |
| reserve opening balance | cash | reserve |
| reserve drawdown (year) | reserve | pool (year) |
| allocation to a work-stream | pool (year) | work-stream (year, stream) |
| actual spend | spend (year, stream) | cash |
| forecast (memorandum, set to the latest figure) | forecast (year, stream) | forecast contra (year, stream) |
| carry-forward (from year, to year) | work-stream (from year, each stream's part) | pool (to year) |
| reversal | the original's postings, each negated | |

What makes no sense is refused with a message that names the figures: receiving more than was invoiced (unless
the over-payment is flagged), invoicing more than was pledged, allocating more than the year's pool holds,
drawing more than a reserve holds, carrying forward more than a work-stream's underspend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.models import (
    Account,
    Commission,
    FinancialYear,
    LedgerHead,
    LedgerTransaction,
    Posting,
    Reserve,
    User,
    WorkStream,
)
from commissioning.money import ZERO, MoneyError, MoneyField, format_pounds, to_money

Kind = LedgerTransaction.Kind
AccountKind = Account.Kind
GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    """One line to post: an account and a signed amount (debit positive, credit negative)."""

    account: Account
    amount: Decimal


# Accounts ----------------------------------------------------------------------------------------------------


def account_for(
    commission: Commission,
    kind: str,
    *,
    year: FinancialYear | None = None,
    work_stream: WorkStream | None = None,
    reserve: Reserve | None = None,
    partner: Any = None,
) -> Account:
    """The commission's account of a kind for the given year, work-stream, reserve or partner; made on first use."""
    parts = [kind]
    name = AccountKind(kind).label
    if partner is not None:
        parts.append(f"partner-{partner.pk}")
        name = f"{name}: {partner}"
    if reserve is not None:
        parts.append(f"reserve-{reserve.pk}")
        name = f"{name}: {reserve}"
    if work_stream is not None:
        parts.append(f"stream-{work_stream.pk}")
        name = f"{name}: {work_stream}"
    if year is not None:
        parts.append(f"year-{year.start_year}")
        name = f"{name}, {year.label}"
    account, _ = Account.objects.get_or_create(
        commission=commission,
        key=":".join(parts),
        defaults={
            "kind": kind,
            "name": name,
            "financial_year": year,
            "work_stream": work_stream,
            "reserve": reserve,
            "partner": partner,
        },
    )
    return account


def balance_of(account: Account) -> Decimal:
    """An account's balance as the sum of its postings, computed in the database."""
    return account.postings.aggregate(total=Coalesce(Sum("amount"), ZERO, output_field=MoneyField()))["total"]


# The one place a transaction is written ---------------------------------------------------------------------


def _money(value: Decimal, what: str) -> Decimal:
    try:
        amount = to_money(value)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"amount": f"{what}: {error}"}) from None
    return amount


def _positive(value: Decimal, what: str) -> Decimal:
    amount = _money(value, what)
    if amount <= 0:
        raise ValidationError({"amount": f"{what} must be more than £0; it is {format_pounds(amount, pence=True)}."})
    return amount


def _canonical(tx: LedgerTransaction, entries: Sequence[Entry]) -> str:
    """The content the digest covers: everything that says what happened, in a fixed order."""
    return json.dumps(
        {
            "commission": tx.commission_id,
            "number": tx.number,
            "year": tx.financial_year_id,
            "kind": tx.kind,
            "date": tx.date.isoformat(),
            "narrative": tx.narrative,
            "source": [tx.source_type_id, tx.source_id, tx.source_reference],
            "reverses": tx.reverses_id,
            "postings": [[entry.account.pk, str(to_money(entry.amount))] for entry in entries],
        },
        sort_keys=True,
    )


def transaction_digest(previous: str, tx: LedgerTransaction, entries: Sequence[Entry]) -> str:
    return hashlib.sha256(f"{previous}\n{_canonical(tx, entries)}".encode()).hexdigest()


def _post(
    *,
    commission: Commission,
    financial_year: FinancialYear,
    kind: str,
    narrative: str,
    entries: Sequence[Entry],
    by: User | None,
    date: dt.date | None = None,
    source: models.Model | None = None,
    source_reference: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction: lock the commission's chain and the accounts, post, update balances."""
    if financial_year.commission_id != commission.pk:
        raise ValidationError(f"{financial_year} is not a year of {commission}.")
    entries = [Entry(entry.account, _money(entry.amount, "A posting")) for entry in entries if entry.amount != 0]
    if len(entries) < 2:
        raise ValidationError("A transaction needs at least two postings that are not £0.")
    total = sum((entry.amount for entry in entries), ZERO)
    if total != 0:
        raise ValidationError(f"The postings do not balance: they sum to {format_pounds(total, pence=True)}.")
    if any(entry.account.commission_id != commission.pk for entry in entries):
        raise ValidationError("Every posting must be to an account of the same commission.")
    head, _ = LedgerHead.objects.get_or_create(commission=commission)
    head = LedgerHead.objects.select_for_update().get(pk=head.pk)
    locked = {
        account.pk: account
        for account in Account.objects.select_for_update().filter(pk__in={e.account.pk for e in entries}).order_by("pk")
    }
    tx = LedgerTransaction(
        commission=commission,
        number=head.count + 1,
        financial_year=financial_year,
        kind=kind,
        date=date or timezone.localdate(),
        narrative=narrative[:500],
        posted_by=by,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
        source_reference=source_reference,
        reverses=reverses,
    )
    tx.digest = transaction_digest(head.digest, tx, entries)
    tx.save()
    Posting.objects.bulk_create(
        Posting(transaction=tx, account=entry.account, amount=entry.amount) for entry in entries
    )
    for entry in entries:
        account = locked[entry.account.pk]
        account.balance += entry.amount
    Account.objects.bulk_update(locked.values(), ["balance"])
    head.count, head.digest = tx.number, tx.digest
    head.save(update_fields=["count", "digest"])
    return tx


def _locked_balance(account: Account) -> Decimal:
    return Account.objects.select_for_update().get(pk=account.pk).balance


# The kinds of transaction -------------------------------------------------------------------------------


@transaction.atomic
def pledge_accepted_post(
    *,
    partner: Any,
    financial_year: FinancialYear,
    amount: Decimal,
    by: User | None,
    source: models.Model | None = None,
    date: dt.date | None = None,
) -> LedgerTransaction:
    """A partner's pledge for one year: pledged by the partner, income of that year's pool."""
    amount = _positive(amount, "A pledge")
    commission = financial_year.commission
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.PLEDGE_ACCEPTED,
        narrative=f"Pledge accepted: {partner}, {financial_year}, {format_pounds(amount)}",
        entries=[
            Entry(account_for(commission, AccountKind.PLEDGED, partner=partner, year=financial_year), amount),
            Entry(account_for(commission, AccountKind.POOL, year=financial_year), -amount),
        ],
        by=by,
        source=source,
        date=date,
    )


@transaction.atomic
def contribution_invoiced_post(
    *, partner: Any, financial_year: FinancialYear, amount: Decimal, by: User | None, date: dt.date | None = None
) -> LedgerTransaction:
    """An invoice to a partner against its pledge for the year; no more than is pledged and not yet invoiced."""
    amount = _positive(amount, "An invoice")
    commission = financial_year.commission
    pledged = account_for(commission, AccountKind.PLEDGED, partner=partner, year=financial_year)
    outstanding = _locked_balance(pledged)
    if amount > outstanding:
        raise ValidationError(
            f"{partner} has {format_pounds(outstanding, pence=True)} pledged and not yet invoiced for "
            f"{financial_year}; an invoice of {format_pounds(amount, pence=True)} is more than that."
        )
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.CONTRIBUTION_INVOICED,
        narrative=f"Contribution invoiced: {partner}, {financial_year}, {format_pounds(amount)}",
        entries=[
            Entry(account_for(commission, AccountKind.INVOICED, partner=partner, year=financial_year), amount),
            Entry(pledged, -amount),
        ],
        by=by,
        date=date,
    )


@transaction.atomic
def contribution_received_post(
    *,
    partner: Any,
    financial_year: FinancialYear,
    amount: Decimal,
    by: User | None,
    overpayment: bool = False,
    date: dt.date | None = None,
) -> LedgerTransaction:
    """Money received from a partner against its invoices for the year. More than is invoiced and not yet
    received is refused unless `overpayment` says so; the excess then shows as a credit owed to the partner."""
    amount = _positive(amount, "A receipt")
    commission = financial_year.commission
    invoiced = account_for(commission, AccountKind.INVOICED, partner=partner, year=financial_year)
    outstanding = _locked_balance(invoiced)
    if amount > outstanding and not overpayment:
        excess = format_pounds(amount - outstanding, pence=True)
        raise ValidationError(
            f"{partner} owes {format_pounds(outstanding, pence=True)} invoiced for {financial_year}; receiving "
            f"{format_pounds(amount, pence=True)} is an over-payment of {excess}. "
            "Flag it as an over-payment to record it."
        )
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.CONTRIBUTION_RECEIVED,
        narrative=f"Contribution received: {partner}, {financial_year}, {format_pounds(amount)}"
        + (" (over-payment)" if amount > outstanding else ""),
        entries=[Entry(account_for(commission, AccountKind.CASH), amount), Entry(invoiced, -amount)],
        by=by,
        date=date,
    )


@transaction.atomic
def reserve_opening_post(
    *, reserve: Reserve, financial_year: FinancialYear, by: User | None, date: dt.date | None = None
) -> LedgerTransaction:
    """The reserve's opening balance, held in cash by the host. Once per reserve."""
    commission = reserve.commission
    account = account_for(commission, AccountKind.RESERVE, reserve=reserve)
    if account.postings.filter(transaction__kind=Kind.RESERVE_OPENING).exists():
        raise ValidationError(f"The opening balance of {reserve} is already posted.")
    amount = _positive(reserve.opening_balance, "A reserve's opening balance")
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.RESERVE_OPENING,
        narrative=f"Opening balance of {reserve}: {format_pounds(amount)}",
        entries=[Entry(account_for(commission, AccountKind.CASH), amount), Entry(account, -amount)],
        by=by,
        source=reserve,
        date=date,
    )


@transaction.atomic
def reserve_drawdown_post(
    *,
    reserve: Reserve,
    financial_year: FinancialYear,
    amount: Decimal,
    by: User | None,
    source: models.Model | None = None,
    source_reference: str = "",
    date: dt.date | None = None,
) -> LedgerTransaction:
    """Money drawn from a reserve into a year's pool; no more than the reserve holds."""
    amount = _positive(amount, "A drawdown")
    commission = reserve.commission
    account = account_for(commission, AccountKind.RESERVE, reserve=reserve)
    holds = -_locked_balance(account)  # a reserve has a credit balance
    if amount > holds:
        raise ValidationError(
            f"{reserve} holds {format_pounds(holds, pence=True)}; a drawdown of {format_pounds(amount, pence=True)} "
            "is more than that."
        )
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.RESERVE_DRAWDOWN,
        narrative=f"Drawdown from {reserve} into {financial_year}: {format_pounds(amount)}",
        entries=[
            Entry(account, amount),
            Entry(account_for(commission, AccountKind.POOL, year=financial_year), -amount),
        ],
        by=by,
        source=source,
        source_reference=source_reference,
        date=date,
    )


@transaction.atomic
def allocation_post(
    *,
    financial_year: FinancialYear,
    work_stream: WorkStream,
    amount: Decimal,
    by: User | None,
    source: models.Model | None = None,
    date: dt.date | None = None,
) -> LedgerTransaction:
    """Budget from a year's pool to a work-stream; no more than the pool holds unallocated."""
    amount = _positive(amount, "An allocation")
    commission = financial_year.commission
    if work_stream.commission_id != commission.pk:
        raise ValidationError(f"{work_stream} is not a work-stream of {commission}.")
    pool = account_for(commission, AccountKind.POOL, year=financial_year)
    holds = -_locked_balance(pool)
    if amount > holds:
        raise ValidationError(
            f"The {financial_year} pool holds {format_pounds(holds, pence=True)} not yet allocated; allocating "
            f"{format_pounds(amount, pence=True)} to {work_stream} is more than that."
        )
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.ALLOCATION,
        narrative=f"Allocation to {work_stream}, {financial_year}: {format_pounds(amount)}",
        entries=[
            Entry(pool, amount),
            Entry(
                account_for(commission, AccountKind.WORK_STREAM, year=financial_year, work_stream=work_stream), -amount
            ),
        ],
        by=by,
        source=source,
        date=date,
    )


@transaction.atomic
def actual_spend_post(
    *,
    financial_year: FinancialYear,
    work_stream: WorkStream,
    amount: Decimal,
    by: User | None,
    narrative: str = "",
    source: models.Model | None = None,
    date: dt.date | None = None,
) -> LedgerTransaction:
    """Money paid out of the pool for a work-stream (to a provider under a contract, given as `source`)."""
    amount = _positive(amount, "Spend")
    commission = financial_year.commission
    if work_stream.commission_id != commission.pk:
        raise ValidationError(f"{work_stream} is not a work-stream of {commission}.")
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.ACTUAL_SPEND,
        narrative=narrative or f"Spend on {work_stream}, {financial_year}: {format_pounds(amount)}",
        entries=[
            Entry(account_for(commission, AccountKind.SPEND, year=financial_year, work_stream=work_stream), amount),
            Entry(account_for(commission, AccountKind.CASH), -amount),
        ],
        by=by,
        source=source,
        date=date,
    )


@transaction.atomic
def forecast_post(
    *,
    financial_year: FinancialYear,
    work_stream: WorkStream,
    forecast: Decimal,
    by: User | None,
    source: models.Model | None = None,
    date: dt.date | None = None,
) -> LedgerTransaction | None:
    """Set a work-stream's forecast outturn for the year: posts the change from the last forecast, so the
    memorandum account's balance is always the latest forecast. Returns None when the forecast is unchanged."""
    forecast = _money(forecast, "A forecast")
    if forecast < 0:
        raise ValidationError({"amount": "A forecast cannot be negative."})
    commission = financial_year.commission
    if work_stream.commission_id != commission.pk:
        raise ValidationError(f"{work_stream} is not a work-stream of {commission}.")
    account = account_for(commission, AccountKind.FORECAST, year=financial_year, work_stream=work_stream)
    change = forecast - _locked_balance(account)
    if change == 0:
        return None
    return _post(
        commission=commission,
        financial_year=financial_year,
        kind=Kind.FORECAST,
        narrative=f"Forecast outturn of {work_stream}, {financial_year}: {format_pounds(forecast)}",
        entries=[
            Entry(account, change),
            Entry(
                account_for(commission, AccountKind.FORECAST_CONTRA, year=financial_year, work_stream=work_stream),
                -change,
            ),
        ],
        by=by,
        source=source,
        date=date,
    )


def underspend(financial_year: FinancialYear, work_stream: WorkStream) -> Decimal:
    """What a work-stream has not used of its budget for the year: its budget in the ledger (allocations less
    anything already carried forward) less its forecast outturn, or its actual spend where that is higher."""
    commission = financial_year.commission
    budget = -account_for(commission, AccountKind.WORK_STREAM, year=financial_year, work_stream=work_stream).balance
    forecast = account_for(commission, AccountKind.FORECAST, year=financial_year, work_stream=work_stream).balance
    spent = account_for(commission, AccountKind.SPEND, year=financial_year, work_stream=work_stream).balance
    return budget - max(forecast, spent)


@transaction.atomic
def carry_forward_post(
    *,
    from_year: FinancialYear,
    to_year: FinancialYear,
    parts: dict[WorkStream, Decimal],
    by: User | None,
    source: models.Model | None = None,
    source_reference: str = "",
    date: dt.date | None = None,
) -> LedgerTransaction:
    """Move underspends of `from_year`'s work-streams into `to_year`'s pool. Each part may not exceed that
    work-stream's underspend, and the later year must come after the earlier."""
    commission = from_year.commission
    if to_year.commission_id != commission.pk or to_year.number <= from_year.number:
        raise ValidationError(f"A carry-forward goes from {from_year} to a later year of the same commission.")
    entries = []
    total = ZERO
    for work_stream, value in parts.items():
        amount = _money(value, f"The part from {work_stream}")
        if amount == 0:
            continue
        if amount < 0:
            raise ValidationError(f"The part carried from {work_stream} cannot be negative.")
        account = account_for(commission, AccountKind.WORK_STREAM, year=from_year, work_stream=work_stream)
        _locked_balance(account)
        available = underspend(from_year, work_stream)
        if amount > available:
            raise ValidationError(
                f"{work_stream} underspent {format_pounds(available, pence=True)} in {from_year}; carrying "
                f"{format_pounds(amount, pence=True)} forward is more than that."
            )
        entries.append(Entry(account, amount))
        total += amount
    if total == 0:
        raise ValidationError("A carry-forward needs an amount from at least one work-stream.")
    entries.append(Entry(account_for(commission, AccountKind.POOL, year=to_year), -total))
    return _post(
        commission=commission,
        financial_year=from_year,
        kind=Kind.CARRY_FORWARD,
        narrative=f"Carry-forward of {format_pounds(total)} from {from_year} to {to_year}",
        entries=entries,
        by=by,
        source=source,
        source_reference=source_reference,
        date=date,
    )


@transaction.atomic
def transaction_reverse(*, original: LedgerTransaction, reason: str, by: User | None) -> LedgerTransaction:
    """Undo a transaction with its mirror image; the original stays, marked as reversed. Once only."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the transaction is reversed."})
    original = LedgerTransaction.objects.select_related("commission", "financial_year").get(pk=original.pk)
    if original.kind == Kind.REVERSAL:
        raise ValidationError("A reversal cannot itself be reversed; post the transaction again instead.")
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise ValidationError(f"Transaction #{original.number} has already been reversed.")
    entries = [Entry(posting.account, -posting.amount) for posting in original.postings.select_related("account")]
    return _post(
        commission=original.commission,
        financial_year=original.financial_year,
        kind=Kind.REVERSAL,
        narrative=f"Reversal of #{original.number} ({original.get_kind_display().lower()}): {reason}",
        entries=entries,
        by=by,
        reverses=original,
    )
