"""The generated tables of a Report to the Cabinet Member (seed 002): every figure read from the ledger and the
allocations plan, every total computed from the lines above it. Nothing here is typed by an officer.

| table | read from |
| --- | --- |
| work-stream allocations by year, with shares | the allocations plan (`allocations.selectors.commission_allocations`) |
| Year 1 allocation, forecast and variance | the ledger (`commissioning.statement`, the first year's work-streams) |
| reserve drawdowns | the commission's drawdowns that are proposed, approved or posted |
| carry-forwards | the commission's carry-forwards that are not rejected or lapsed, with their state |
| Appendix B partner contributions | cash pledges in the ledger by partner and year, then in-kind pledges |
| Appendix C funding movements | the first and the latest frozen plan versions (`reports.selectors.plan_movements`) |

Each table is plain data (names, labels and Decimals), so a published report can keep it in its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from allocations.selectors import commission_allocations
from commissioning.models import CarryForward, Commission, ReserveDrawdown
from commissioning.money import ZERO
from commissioning.statement import FundStatement
from partners.models import InKindPledge
from reports import selectors


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO)


@dataclass(frozen=True)
class StreamRow:
    """One work-stream: its pooled share (percent) and its allocation in each year (None where it has none)."""

    name: str
    share: Decimal | None
    amounts: list[Decimal | None]


@dataclass(frozen=True)
class AllocationTable:
    years: list[str]
    rows: list[StreamRow]

    @property
    def totals(self) -> list[Decimal]:
        return [_sum([row.amounts[i] or ZERO for row in self.rows]) for i in range(len(self.years))]

    @property
    def share_total(self) -> Decimal:
        return _sum([row.share or ZERO for row in self.rows])


@dataclass(frozen=True)
class YearOneRow:
    name: str
    allocated: Decimal
    forecast: Decimal

    @property
    def variance(self) -> Decimal:
        """Allocation − forecast: positive is an underspend."""
        return self.allocated - self.forecast


@dataclass(frozen=True)
class YearOneTable:
    year: str
    rows: list[YearOneRow]

    @property
    def allocated(self) -> Decimal:
        return _sum([row.allocated for row in self.rows])

    @property
    def forecast(self) -> Decimal:
        return _sum([row.forecast for row in self.rows])

    @property
    def variance(self) -> Decimal:
        return _sum([row.variance for row in self.rows])


@dataclass(frozen=True)
class DrawdownRow:
    reserve: str
    year: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class CarryForwardRow:
    from_year: str
    to_year: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class PartnerRow:
    name: str
    amounts: list[Decimal]

    @property
    def total(self) -> Decimal:
        return _sum(self.amounts)


@dataclass(frozen=True)
class InKindRow:
    name: str
    description: str
    value: Decimal | None


@dataclass(frozen=True)
class Contributions:
    """Appendix B: each partner's cash pledges by year, then the contributions in kind."""

    years: list[str]
    cash: list[PartnerRow]
    in_kind: list[InKindRow]

    @property
    def totals(self) -> list[Decimal]:
        return [_sum([row.amounts[i] for row in self.cash]) for i in range(len(self.years))]

    @property
    def total(self) -> Decimal:
        return _sum(self.totals)

    @property
    def in_kind_total(self) -> Decimal:
        return _sum([row.value for row in self.in_kind if row.value is not None])


@dataclass(frozen=True)
class MovementRow:
    group: str
    name: str
    year: str
    figure: str
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)


@dataclass(frozen=True)
class FundingMovements:
    """Appendix C: the figures that changed from the first frozen plan to the latest, or why there is no table."""

    before: str
    after: str
    rows: list[MovementRow] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class ReportTables:
    allocations: AllocationTable
    year_one: YearOneTable | None
    drawdowns: list[DrawdownRow]
    carry_forwards: list[CarryForwardRow]
    contributions: Contributions
    movements: FundingMovements

    @property
    def drawdown_total(self) -> Decimal:
        return _sum([row.amount for row in self.drawdowns])

    @property
    def carry_forward_total(self) -> Decimal:
        return _sum([row.amount for row in self.carry_forwards])


def _allocations(commission: Commission) -> AllocationTable:
    plan = commission_allocations(commission)
    names: dict[int, tuple[str, Decimal | None]] = {}
    amounts: dict[tuple[int, int], Decimal] = {}
    for index, year in enumerate(plan):
        for line in year.lines:
            names.setdefault(line.work_stream.pk, (line.work_stream.name, line.work_stream.pooled_share))
            if line.allocation is not None:
                amounts[(line.work_stream.pk, index)] = line.allocation.amount
    rows = [
        StreamRow(name, share, [amounts.get((stream_id, i)) for i in range(len(plan))])
        for stream_id, (name, share) in names.items()
    ]
    return AllocationTable([year.year.label for year in plan], rows)


def report_tables(commission: Commission) -> ReportTables:
    """Every generated table of the commission's cabinet report, as it stands now. About fifteen queries, however
    many partners, pledges or transactions there are."""
    fund = selectors.commission_fund_statement(commission)
    first = fund.years[0] if fund.years else None
    year_one = (
        YearOneTable(
            first.year.label,
            [
                YearOneRow(line.work_stream.name, line.allocated, line.forecast)
                for line in first.streams
                if line.allocated
            ],
        )
        if first
        else None
    )
    drawdowns = [
        DrawdownRow(d.reserve.name, d.financial_year.label, d.amount, d.get_status_display())
        for d in ReserveDrawdown.objects.filter(reserve__commission=commission)
        .exclude(status=ReserveDrawdown.Status.REJECTED)
        .select_related("reserve", "financial_year")
        .order_by("financial_year__number", "reserve__name", "pk")
    ]
    carry_forwards = [
        CarryForwardRow(c.from_year.label, c.to_year.label, c.amount, c.get_status_display())
        for c in CarryForward.objects.filter(commission=commission)
        .exclude(status__in=(CarryForward.Status.REJECTED, CarryForward.Status.LAPSED))
        .select_related("from_year", "to_year")
        .order_by("from_year__number", "to_year__number", "pk")
    ]
    return ReportTables(
        allocations=_allocations(commission),
        year_one=year_one,
        drawdowns=drawdowns,
        carry_forwards=carry_forwards,
        contributions=_contributions(commission, fund),
        movements=_movements(commission),
    )


def _contributions(commission: Commission, fund: FundStatement) -> Contributions:
    labels = [year.year.label for year in fund.years]
    pledged: dict[int, dict[int, Decimal]] = {}
    names: dict[int, str] = {}
    for index, year in enumerate(fund.years):
        for line in year.partners:
            if line.pledged:
                names[line.partner_id] = line.name
                pledged.setdefault(line.partner_id, {})[index] = line.pledged
    cash = sorted(
        (
            PartnerRow(names[partner_id], [by_year.get(i, ZERO) for i in range(len(labels))])
            for partner_id, by_year in pledged.items()
        ),
        key=lambda row: (-row.total, row.name),
    )
    in_kind = [
        InKindRow(pledge.partner.name, pledge.description, pledge.value)
        for pledge in InKindPledge.objects.filter(commission=commission).select_related("partner").order_by("pk")
    ]
    return Contributions(labels, cash, in_kind)


def _movements(commission: Commission) -> FundingMovements:
    versions = list(selectors.plan_version_list(commission))
    if len(versions) < 2:
        note = (
            "The funding plan has not been frozen, so there are no movements to show."
            if not versions
            else f"The funding plan has been frozen once ({versions[0]}), so there are no movements to show."
        )
        return FundingMovements("", "", [], note)
    before, after = versions[0], versions[-1]
    movements = selectors.plan_movements(
        before.snapshot, after.snapshot, before_label=str(before), after_label=str(after)
    )
    rows = [
        MovementRow(group.title, line.name, line.year, line.figure_label, line.before, line.after)
        for group in movements.groups
        for line in group.changed
    ]
    note = "" if rows else "No figure changed between these two plans."
    return FundingMovements(movements.before, movements.after, rows, note)
