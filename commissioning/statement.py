"""The fund statement, read from the ledger: income by source, allocations and spend by work-stream, the funding
position, arrears, and each partner's own statement.

Every figure comes from postings summed in the database, grouped by account (its kind, partner, year,
work-stream, reserve) and by what the transaction was. A reversal counts as the kind it reverses, so reversing a
pledge takes it off the pledged figure rather than showing as income of its own. How postings become figures:

| figure | postings summed | sign |
| --- | --- | --- |
| pledged (partner, year) | pledged account, pledges | as posted (debit) |
| invoiced (partner, year) | invoiced account, invoices | as posted (debit) |
| received (partner, year) | invoiced account, receipts | negated (credit) |
| reserve drawdown (reserve, year) | reserve account, drawdowns, by the transaction's year | as posted (debit) |
| carried in (year, from year) | the year's pool account, carry-forwards, by the transaction's year | negated (credit) |
| allocated (work-stream, year) | work-stream account, allocations | negated (credit) |
| carried forward out (work-stream, year) | work-stream account, carry-forwards | as posted (debit) |
| forecast (work-stream, year) | forecast account, all | as posted: the latest forecast |
| actual spend (work-stream, year) | spend account, all | as posted (debit) |

Everything else is computed from those parts: income = pledged + drawdowns + carried in; variance = allocated −
forecast (positive is an underspend); unallocated pool = income − allocated; secured = income less what takes
effect later; shortfall = plan − secured − provisional.

A reserve drawdown or carry-forward posted with a date after the statement's day (`on`, today unless given: one
approved by a decision subject to call-in is dated on the day the decision takes effect) is in the ledger, so in
income, but counts as provisional, not secured, until that day: it is its own line, with `secured_from` and a
`note` naming the decision. A reversal counts on the day of the transaction it reverses.

Requested funding (the partners' contribution requests) and the plan (each year's budget) belong to other apps,
which the core does not import; the caller passes them in (`reports.selectors.commission_fund_statement` does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, DateField, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from commissioning.funding_selectors import provisional_funding
from commissioning.models import Account, Commission, FinancialYear, LedgerTransaction, Posting, WorkStream
from commissioning.money import ZERO

AccountKind = Account.Kind
Kind = LedgerTransaction.Kind


def _total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


# Figures ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerIncome:
    """One partner's contribution to one year: pledged, invoiced and received."""

    partner_id: int
    name: str
    pledged: Decimal
    invoiced: Decimal
    received: Decimal

    @property
    def not_invoiced(self) -> Decimal:
        return self.pledged - self.invoiced

    @property
    def outstanding(self) -> Decimal:
        """Pledged but not received; negative when the partner has paid more than it pledged."""
        return self.pledged - self.received


@dataclass(frozen=True)
class Drawdown:
    """Drawn from a reserve into the year's pool: secured, or provisional until `secured_from` (a later date)."""

    reserve_id: int
    name: str
    amount: Decimal
    secured_from: date | None = None
    note: str = ""


@dataclass(frozen=True)
class CarriedIn:
    """Underspend of an earlier year carried forward into this year's pool (confirmed: it is posted); secured, or
    provisional until `secured_from` (a later date)."""

    from_year: FinancialYear
    amount: Decimal
    secured_from: date | None = None
    note: str = ""


@dataclass(frozen=True)
class StreamFigures:
    """A work-stream's year: its allocation, forecast outturn, actual spend, and what it carried forward."""

    work_stream: WorkStream
    allocated: Decimal
    forecast: Decimal
    actual: Decimal
    carried_forward: Decimal

    @property
    def variance(self) -> Decimal:
        """Allocation − forecast: positive is an underspend."""
        return self.allocated - self.forecast


@dataclass(frozen=True)
class FundingPosition:
    """Requested vs secured vs provisional funding against the plan (the year's budget)."""

    requested: Decimal
    secured: Decimal
    provisional: Decimal
    plan: Decimal | None

    @property
    def shortfall(self) -> Decimal | None:
        """Plan − secured − provisional; negative is a surplus; None when no plan is set for the year."""
        if self.plan is None:
            return None
        return self.plan - self.secured - self.provisional

    @property
    def surplus(self) -> Decimal | None:
        """The shortfall turned round where funding exceeds the plan; None otherwise."""
        shortfall = self.shortfall
        return -shortfall if shortfall is not None and shortfall < 0 else None


@dataclass(frozen=True)
class YearStatement:
    year: FinancialYear
    partners: list[PartnerIncome]
    drawdowns: list[Drawdown]
    carried_in: list[CarriedIn]
    streams: list[StreamFigures]
    position: FundingPosition

    @property
    def pledged(self) -> Decimal:
        return _total(line.pledged for line in self.partners)

    @property
    def invoiced(self) -> Decimal:
        return _total(line.invoiced for line in self.partners)

    @property
    def received(self) -> Decimal:
        return _total(line.received for line in self.partners)

    @property
    def outstanding(self) -> Decimal:
        return _total(line.outstanding for line in self.partners)

    @property
    def drawn(self) -> Decimal:
        return _total(line.amount for line in self.drawdowns)

    @property
    def carried_in_total(self) -> Decimal:
        return _total(line.amount for line in self.carried_in)

    @property
    def drawn_and_carried_in(self) -> Decimal:
        """Income from reserves and earlier years: drawdowns and carry-forwards in."""
        return self.drawn + self.carried_in_total

    @property
    def takes_effect_later(self) -> list[Drawdown | CarriedIn]:
        """Drawdowns and carry-forwards posted but provisional until a later date, such as the end of call-in."""
        return [line for line in [*self.drawdowns, *self.carried_in] if line.secured_from is not None]

    @property
    def income(self) -> Decimal:
        """Everything paid into the year's pool: pledges, reserve drawdowns and carry-forwards in."""
        return self.pledged + self.drawn + self.carried_in_total

    @property
    def allocated(self) -> Decimal:
        return _total(line.allocated for line in self.streams)

    @property
    def forecast(self) -> Decimal:
        return _total(line.forecast for line in self.streams)

    @property
    def actual(self) -> Decimal:
        return _total(line.actual for line in self.streams)

    @property
    def variance(self) -> Decimal:
        return _total(line.variance for line in self.streams)

    @property
    def carried_forward(self) -> Decimal:
        return _total(line.carried_forward for line in self.streams)

    @property
    def unallocated(self) -> Decimal:
        """The balance of the year's pool: income not yet allocated to a work-stream."""
        return self.income - self.allocated


@dataclass(frozen=True)
class ArrearsLine:
    year: FinancialYear
    pledged: Decimal
    invoiced: Decimal
    received: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.pledged - self.received


@dataclass(frozen=True)
class PartnerArrears:
    """A partner's pledges not yet received, year by year (only years with something outstanding)."""

    partner_id: int
    name: str
    lines: list[ArrearsLine]

    @property
    def outstanding(self) -> Decimal:
        return _total(line.outstanding for line in self.lines)


@dataclass(frozen=True)
class FundStatement:
    commission: Commission
    years: list[YearStatement]
    arrears: list[PartnerArrears]

    def for_year(self, year_id: int) -> YearStatement:
        return next(statement for statement in self.years if statement.year.pk == year_id)

    @property
    def takes_effect_later(self) -> list[tuple[FinancialYear, Drawdown | CarriedIn]]:
        """Every year's drawdowns and carry-forwards posted but provisional until a later date, with the year."""
        return [(statement.year, line) for statement in self.years for line in statement.takes_effect_later]

    @property
    def arrears_total(self) -> Decimal:
        return _total(partner.outstanding for partner in self.arrears)


# Reading the ledger -------------------------------------------------------------------------------------------


def _effective_kind() -> Coalesce:
    """What a posting's transaction was: a reversal counts as the kind it reverses."""
    return Coalesce(F("transaction__reverses__kind"), F("transaction__kind"))


@dataclass
class _Sums:
    """Posted sums keyed by (account kind, effective kind, the key parts that figure needs)."""

    sums: dict[tuple[Any, ...], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    # Drawdowns and carry-forwards that take effect later: key → {(transaction id, its date): amount}.
    later: dict[tuple[Any, ...], dict[tuple[int, date], Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: ZERO))
    )
    notes: dict[int, str] = field(default_factory=dict)

    def add(self, key: tuple[Any, ...], amount: Decimal) -> None:
        self.sums[key] += amount

    def add_row(self, key: tuple[Any, ...], row: Mapping[str, Any]) -> None:
        """Add a grouped row to the figure now, or to the later amounts when it takes effect after the day."""
        if row["later_id"] is None:
            self.add(key, row["total"])
        else:
            self.later[key][(row["later_id"], row["later_date"])] += row["total"]

    def read_notes(self) -> None:
        self.notes = _notes({pk for lines in self.later.values() for (pk, _), amount in lines.items() if amount})

    def get(self, *key: Any) -> Decimal:
        return self.sums.get(key, ZERO)

    def get_later(self, *key: Any) -> list[tuple[date, str, Decimal]]:
        """(date, note, amount) of each transaction of the figure that takes effect later, by date."""
        lines = self.later.get(key, {})
        return sorted((day, self.notes[pk], amount) for (pk, day), amount in lines.items() if amount)


def _later(on: date) -> Q:
    """A drawdown or carry-forward (or a reversal of one) dated after `on`, by the date of the one reversed."""
    later = Q(transaction__reverses__isnull=True, transaction__date__gt=on) | Q(transaction__reverses__date__gt=on)
    return later & Q(effective_kind__in=[Kind.RESERVE_DRAWDOWN, Kind.CARRY_FORWARD])


def _grouped(commission: Commission, *, dated_from: date | None, dated_to: date | None, on: date) -> QuerySet[Posting]:
    """One row per group of postings with their sum, in one query, however many transactions there are; only
    transactions dated within `dated_from`–`dated_to` (inclusive; either end open when None). Postings that take
    effect after `on` are grouped by the transaction (or the one it reverses), with its date."""
    postings = Posting.objects.filter(account__commission=commission)
    if dated_from is not None:
        postings = postings.filter(transaction__date__gte=dated_from)
    if dated_to is not None:
        postings = postings.filter(transaction__date__lte=dated_to)
    return (
        postings.annotate(effective_kind=_effective_kind())
        .annotate(
            later_id=Case(
                When(_later(on), then=Coalesce(F("transaction__reverses_id"), F("transaction_id"))),
                output_field=IntegerField(),
            ),
            later_date=Case(
                When(_later(on), then=Coalesce(F("transaction__reverses__date"), F("transaction__date"))),
                output_field=DateField(),
            ),
        )
        .values(
            "account__kind",
            "account__financial_year_id",
            "account__partner_id",
            "account__partner__name",
            "account__work_stream_id",
            "account__reserve_id",
            "account__reserve__name",
            "transaction__financial_year_id",
            "effective_kind",
            "later_id",
            "later_date",
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )


def _notes(transaction_ids: set[int]) -> dict[int, str]:
    """Why each transaction takes effect later: the decision subject to call-in that approved its drawdown or
    carry-forward. One query, only when there is such a transaction."""
    if not transaction_ids:
        return {}
    rows = LedgerTransaction.objects.filter(pk__in=transaction_ids).values(
        "pk",
        "date",
        "reserve_drawdown__decision__reference",
        "reserve_drawdown__decision__subject_to_call_in",
        "carry_forward__decision__reference",
        "carry_forward__decision__subject_to_call_in",
    )
    notes = {}
    for row in rows:
        day = f"{row['date'].day} {row['date']:%B %Y}"
        reference = row["reserve_drawdown__decision__reference"] or row["carry_forward__decision__reference"]
        call_in = (
            row["reserve_drawdown__decision__subject_to_call_in"] or row["carry_forward__decision__subject_to_call_in"]
        )
        if reference and call_in:
            notes[row["pk"]] = f"Approved by {reference}, subject to call-in: secured from {day}"
        else:
            notes[row["pk"]] = f"Dated {day}: secured from then"
    return notes


def fund_statement(
    commission: Commission,
    *,
    requested: Mapping[int, Decimal] | None = None,
    plan: Mapping[int, Decimal] | None = None,
    provisional: Mapping[int, Decimal] | None = None,
    dated_from: date | None = None,
    dated_to: date | None = None,
    on: date | None = None,
) -> FundStatement:
    """The commission's fund statement, every year, as it stands on `on` (today unless given), in three queries
    (the postings grouped and summed, the years, the work-streams), however many transactions there are, and a
    fourth when a drawdown or carry-forward takes effect after `on`.

    `dated_from` and `dated_to` (inclusive) limit it to transactions dated in that range: the movements of a
    quarter, or with `dated_to` alone the position at a quarter's end. Without them, every transaction counts.

    `requested`, `plan` and `provisional` are amounts by financial-year id: the sum of the partners' contribution
    requests, the year's budget, and outline-approved carry-forwards into the year. A year missing from `plan`
    has no plan, so no shortfall; missing from the others, £0. Drawdowns and carry-forwards posted with a date
    after `on` are added to provisional rather than secured.
    """
    requested, plan, provisional = requested or {}, plan or {}, provisional or {}
    on = on or timezone.localdate()
    years = list(commission.years.order_by("number"))
    streams = {stream.pk: stream for stream in commission.work_streams.order_by("position", "name")}

    sums = _Sums()
    partner_names: dict[int, str] = {}
    reserve_names: dict[int, str] = {}
    partner_years: set[tuple[int, int]] = set()
    stream_years: set[tuple[int, int]] = set()
    for row in _grouped(commission, dated_from=dated_from, dated_to=dated_to, on=on):
        kind, effective, total = row["account__kind"], row["effective_kind"], row["total"]
        account_year, tx_year = row["account__financial_year_id"], row["transaction__financial_year_id"]
        partner_id, stream_id, reserve_id = (
            row["account__partner_id"],
            row["account__work_stream_id"],
            row["account__reserve_id"],
        )
        if partner_id is not None:
            partner_names[partner_id] = row["account__partner__name"]
            partner_years.add((account_year, partner_id))
            sums.add((kind, effective, account_year, partner_id), total)
        elif stream_id is not None:
            stream_years.add((account_year, stream_id))
            sums.add((kind, effective, account_year, stream_id), total)
        elif reserve_id is not None:
            reserve_names[reserve_id] = row["account__reserve__name"]
            sums.add_row((kind, effective, tx_year, reserve_id), row)
        elif kind == AccountKind.POOL:
            sums.add_row((kind, effective, account_year, tx_year), row)
    sums.read_notes()

    statements = []
    for year in years:
        partners = [
            PartnerIncome(
                partner_id=partner_id,
                name=partner_names[partner_id],
                pledged=sums.get(AccountKind.PLEDGED, Kind.PLEDGE_ACCEPTED, year.pk, partner_id),
                invoiced=sums.get(AccountKind.INVOICED, Kind.CONTRIBUTION_INVOICED, year.pk, partner_id),
                received=-sums.get(AccountKind.INVOICED, Kind.CONTRIBUTION_RECEIVED, year.pk, partner_id),
            )
            for year_id, partner_id in partner_years
            if year_id == year.pk
        ]
        partners.sort(key=lambda line: (line.name, line.partner_id))
        drawdowns = _drawdowns(sums, year, reserve_names)
        carried_in = _carried_in(sums, year, years)
        lines = [
            StreamFigures(
                work_stream=stream,
                allocated=-sums.get(AccountKind.WORK_STREAM, Kind.ALLOCATION, year.pk, stream.pk),
                forecast=_total(
                    sums.get(AccountKind.FORECAST, effective, year.pk, stream.pk) for effective in Kind.values
                ),
                actual=_total(sums.get(AccountKind.SPEND, effective, year.pk, stream.pk) for effective in Kind.values),
                carried_forward=sums.get(AccountKind.WORK_STREAM, Kind.CARRY_FORWARD, year.pk, stream.pk),
            )
            for stream in streams.values()
            if stream.is_pooled or (year.pk, stream.pk) in stream_years
        ]
        pending = _total(line.amount for line in [*drawdowns, *carried_in] if line.secured_from is not None)
        secured = (
            _total(line.pledged for line in partners)
            + _total(line.amount for line in drawdowns)
            + _total(line.amount for line in carried_in)
            - pending
        )
        position = FundingPosition(
            requested=requested.get(year.pk, ZERO),
            secured=secured,
            provisional=provisional.get(year.pk, ZERO) + pending,
            plan=plan.get(year.pk),
        )
        statements.append(YearStatement(year, partners, drawdowns, carried_in, lines, position))
    return FundStatement(commission=commission, years=statements, arrears=_arrears(statements))


def _drawdowns(sums: _Sums, year: FinancialYear, reserve_names: dict[int, str]) -> list[Drawdown]:
    """The year's drawdowns: each reserve's secured total, then each one that takes effect later."""
    lines = []
    for reserve_id in sorted(reserve_names, key=lambda pk: (reserve_names[pk], pk)):
        if amount := sums.get(AccountKind.RESERVE, Kind.RESERVE_DRAWDOWN, year.pk, reserve_id):
            lines.append(Drawdown(reserve_id, reserve_names[reserve_id], amount))
        for day, note, amount in sums.get_later(AccountKind.RESERVE, Kind.RESERVE_DRAWDOWN, year.pk, reserve_id):
            lines.append(Drawdown(reserve_id, reserve_names[reserve_id], amount, day, note))
    return lines


def _carried_in(sums: _Sums, year: FinancialYear, years: list[FinancialYear]) -> list[CarriedIn]:
    """The year's carry-forwards in: each earlier year's secured total, then each one that takes effect later."""
    lines = []
    for source in years:
        if amount := -sums.get(AccountKind.POOL, Kind.CARRY_FORWARD, year.pk, source.pk):
            lines.append(CarriedIn(from_year=source, amount=amount))
        for day, note, amount in sums.get_later(AccountKind.POOL, Kind.CARRY_FORWARD, year.pk, source.pk):
            lines.append(CarriedIn(source, -amount, day, note))
    return lines


def _arrears(statements: list[YearStatement]) -> list[PartnerArrears]:
    lines: dict[int, list[ArrearsLine]] = defaultdict(list)
    names: dict[int, str] = {}
    for statement in statements:
        for line in statement.partners:
            if line.outstanding > 0:
                names[line.partner_id] = line.name
                lines[line.partner_id].append(ArrearsLine(statement.year, line.pledged, line.invoiced, line.received))
    return [
        PartnerArrears(partner_id, names[partner_id], lines[partner_id])
        for partner_id in sorted(names, key=lambda pk: (names[pk], pk))
    ]


def provisional_funding_for(commission: Commission) -> dict[int, Decimal]:
    """Outline-approved carry-forwards into each year (by financial-year id): the one place the statement's
    pages and API read provisional funding from.

    Outline approval is a state of a carry-forward proposal, not a posting: the ledger holds only confirmed
    carry-forwards, which are secured. The proposals and their states are kept by the carry-forward workflow.
    """
    return {year.pk: amount for year, amount in provisional_funding(commission).items() if amount}


# A partner's own statement ------------------------------------------------------------------------------------

BEFORE, AFTER = 0, 5
PERIOD_LABELS = {
    BEFORE: "Before the year",
    1: "Q1 (Apr–Jun)",
    2: "Q2 (Jul–Sep)",
    3: "Q3 (Oct–Dec)",
    4: "Q4 (Jan–Mar)",
    AFTER: "After the year",
}


@dataclass(frozen=True)
class Period:
    """Part of a partner's year by posting date: a quarter of the financial year, or before or after it (a pledge
    for a later year is often accepted before that year starts)."""

    number: int
    pledged: Decimal
    invoiced: Decimal
    received: Decimal

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self.number]


@dataclass(frozen=True)
class PartnerYear:
    year: FinancialYear
    periods: list[Period]

    @property
    def pledged(self) -> Decimal:
        return _total(period.pledged for period in self.periods)

    @property
    def invoiced(self) -> Decimal:
        return _total(period.invoiced for period in self.periods)

    @property
    def received(self) -> Decimal:
        return _total(period.received for period in self.periods)

    @property
    def outstanding(self) -> Decimal:
        return self.pledged - self.received


@dataclass(frozen=True)
class PartnerStatement:
    """One partner's contributions to one commission and nothing of any other partner."""

    commission: Commission
    partner_id: int
    years: list[PartnerYear]

    @property
    def pledged(self) -> Decimal:
        return _total(year.pledged for year in self.years)

    @property
    def invoiced(self) -> Decimal:
        return _total(year.invoiced for year in self.years)

    @property
    def received(self) -> Decimal:
        return _total(year.received for year in self.years)

    @property
    def outstanding(self) -> Decimal:
        return self.pledged - self.received


def _months() -> Any:
    """Whole months from 1 April of the posting's account's financial year to the posting's date."""
    return (
        (ExtractYear("transaction__date") - F("account__financial_year__start_year")) * 12
        + ExtractMonth("transaction__date")
        - 4
    )


def _period() -> Case:
    """The period of a posting's date within its account's financial year, computed in the database from the
    `months` annotation: quarters of three months, or before or after the year."""
    return Case(
        When(months__lt=0, then=Value(BEFORE)),
        When(months__lt=3, then=Value(1)),
        When(months__lt=6, then=Value(2)),
        When(months__lt=9, then=Value(3)),
        When(months__lt=12, then=Value(4)),
        default=Value(AFTER),
        output_field=IntegerField(),
    )


def partner_statement(commission: Commission, partner_id: int) -> PartnerStatement:
    """A partner's pledged, invoiced and received amounts for each of the commission's years, annual and by
    quarter of posting date, in two queries. Only the partner's own accounts are read."""
    years = list(commission.years.order_by("number"))
    rows = (
        Posting.objects.filter(
            account__commission=commission,
            account__partner_id=partner_id,
            account__kind__in=[AccountKind.PLEDGED, AccountKind.INVOICED],
        )
        .annotate(effective_kind=_effective_kind(), months=_months())
        .annotate(period=_period())
        .values("account__kind", "account__financial_year_id", "effective_kind", "period")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums = _Sums()
    for row in rows:
        key = (row["account__kind"], row["effective_kind"], row["account__financial_year_id"], row["period"])
        sums.add(key, row["total"])
    statement_years = []
    for year in years:
        periods = [
            Period(
                number=number,
                pledged=sums.get(AccountKind.PLEDGED, Kind.PLEDGE_ACCEPTED, year.pk, number),
                invoiced=sums.get(AccountKind.INVOICED, Kind.CONTRIBUTION_INVOICED, year.pk, number),
                received=-sums.get(AccountKind.INVOICED, Kind.CONTRIBUTION_RECEIVED, year.pk, number),
            )
            for number in range(BEFORE, AFTER + 1)
        ]
        # The quarters always show; before and after the year only when something was posted then.
        periods = [p for p in periods if 1 <= p.number <= 4 or p.pledged or p.invoiced or p.received]
        statement_years.append(PartnerYear(year=year, periods=periods))
    return PartnerStatement(commission=commission, partner_id=partner_id, years=statement_years)
