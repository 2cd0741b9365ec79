"""Reads that bring the ledger together with the partners' requests and the allocations plan: the fund statement
with its funding position, funding plan snapshots, and the funding movements between two plan versions.

The ledger's own figures come from `commissioning.statement`; the core imports no other app, so the figures it
cannot read (requested funding, the year's budget) are read here and handed to it.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from allocations.models import WorkStreamAllocation, YearBudget
from commissioning import statement
from commissioning.models import Commission, FinancialYear, FundingPlanVersion
from commissioning.money import ZERO, to_money
from partners.models import ContributionRequest, Partner

SNAPSHOT_SCHEMA = 1
# Compare a version with the plan as it stands now, rather than with another version.
CURRENT = "current"


# Requested and planned ---------------------------------------------------------------------------------------


def requested_amounts(commission: Commission) -> dict[tuple[int, int], tuple[str, Decimal]]:
    """What the commission's contribution requests ask of each partner each year: (partner id, year id) →
    (partner name, amount). One query."""
    rows = (
        ContributionRequest.objects.filter(commission=commission)
        .values("partner_id", "partner__name", "financial_year_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["partner_id"], row["financial_year_id"]): (row["partner__name"], row["total"]) for row in rows}


def requested_by_year(requested: dict[tuple[int, int], tuple[str, Decimal]]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (_, year_id), (_, amount) in requested.items():
        totals[year_id] += amount
    return dict(totals)


def plan_by_year(commission: Commission) -> dict[int, Decimal]:
    """Each year's budget (the plan), by financial-year id; a year with no budget set is missing. One query."""
    return dict(
        YearBudget.objects.filter(financial_year__commission=commission).values_list("financial_year_id", "amount")
    )


def planned_allocations(commission: Commission) -> dict[tuple[int, int], Decimal]:
    """The allocation in force for each (work-stream id, year id) in the allocations plan. One query."""
    return {
        (stream_id, year_id): amount
        for stream_id, year_id, amount in WorkStreamAllocation.objects.filter(
            financial_year__commission=commission
        ).values_list("work_stream_id", "financial_year_id", "amount")
    }


def commission_fund_statement(commission: Commission, *, on: date | None = None) -> statement.FundStatement:
    """The fund statement as it stands on `on` (today unless given) with the funding position filled in:
    requested from the contribution requests, the plan from the year budgets, provisional from
    `statement.provisional_funding_for` and the drawdowns and carry-forwards that take effect after `on`. Five
    queries, and one more when something takes effect later."""
    return statement.fund_statement(
        commission,
        requested=requested_by_year(requested_amounts(commission)),
        plan=plan_by_year(commission),
        provisional=statement.provisional_funding_for(commission),
        on=on,
    )


# Snapshots of the plan -----------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return str(to_money(value))


def plan_snapshot(commission: Commission) -> dict[str, Any]:
    """The funding plan as it stands, as plain data for a `FundingPlanVersion`. Money is decimal strings.

    - `years`: the labels of the commission's years, which key every amount by year below;
    - `position`: each year's plan (its budget, or null), requested, secured and provisional funding;
    - `partners`: per partner and year, the amount requested and the amount secured (pledged in the ledger);
    - `reserves`: each reserve's drawdowns by year;
    - `carry_forwards`: confirmed ones (posted and in effect: from a year to a later one) and provisional ones
      (into a year: outline approved, or posted to take effect later);
    - `work_streams`: per work-stream and year, the allocation planned (null where the plan has none) and posted.

    Six queries, however many transactions, requests or allocations there are.
    """
    requested = requested_amounts(commission)
    fund = statement.fund_statement(
        commission,
        requested=requested_by_year(requested),
        plan=plan_by_year(commission),
        provisional=statement.provisional_funding_for(commission),
    )
    planned = planned_allocations(commission)
    years = [year_statement.year for year_statement in fund.years]

    names: dict[int, str] = {partner_id: name for (partner_id, _), (name, _) in requested.items()}
    asked = {key: amount for key, (_, amount) in requested.items()}
    secured: dict[tuple[int, int], Decimal] = {}
    drawn: dict[tuple[int, int], Decimal] = {}
    reserve_names: dict[int, str] = {}
    streams: dict[int, str] = {}
    allocated: dict[tuple[int, int], Decimal] = {}
    carry_forwards: list[dict[str, Any]] = []
    for year_statement in fund.years:
        year = year_statement.year
        for line in year_statement.partners:
            names[line.partner_id] = line.name
            secured[(line.partner_id, year.pk)] = line.pledged
        for drawdown in year_statement.drawdowns:
            reserve_names[drawdown.reserve_id] = drawdown.name
            # Everything drawn, whether secured or taking effect later (a reserve may have a line of each).
            drawn[(drawdown.reserve_id, year.pk)] = drawn.get((drawdown.reserve_id, year.pk), ZERO) + drawdown.amount
        for stream_line in year_statement.streams:
            streams.setdefault(stream_line.work_stream.pk, stream_line.work_stream.name)
            allocated[(stream_line.work_stream.pk, year.pk)] = stream_line.allocated
        for carried in year_statement.carried_in:
            if carried.secured_from is not None:
                continue  # provisional until it takes effect, so in the year's provisional amount below
            carry_forwards.append(
                {
                    "from": carried.from_year.label,
                    "to": year.label,
                    "status": "confirmed",
                    "amount": _money(carried.amount),
                }
            )
        if year_statement.position.provisional:
            carry_forwards.append(
                {
                    "from": None,
                    "to": year.label,
                    "status": "provisional",
                    "amount": _money(year_statement.position.provisional),
                }
            )

    def by_year(amounts: dict[tuple[int, int], Decimal], pk: int) -> dict[str, str]:
        return {year.label: _money(amounts.get((pk, year.pk), ZERO)) for year in years}

    def position(figure: str) -> dict[str, str | None]:
        values = {y.year.label: getattr(y.position, figure) for y in fund.years}
        return {label: None if value is None else _money(value) for label, value in values.items()}

    return {
        "schema": SNAPSHOT_SCHEMA,
        "commission": {"id": commission.pk, "name": commission.name},
        "years": [year.label for year in years],
        "position": {figure: position(figure) for figure in ("plan", "requested", "secured", "provisional")},
        "partners": [
            {
                "id": partner_id,
                "name": names[partner_id],
                "requested": by_year(asked, partner_id),
                "secured": by_year(secured, partner_id),
            }
            for partner_id in sorted(names, key=lambda pk: (names[pk], pk))
        ],
        "reserves": [
            {"id": reserve_id, "name": reserve_names[reserve_id], "drawn": by_year(drawn, reserve_id)}
            for reserve_id in sorted(reserve_names, key=lambda pk: (reserve_names[pk], pk))
        ],
        "carry_forwards": carry_forwards,
        "work_streams": [
            {
                "id": stream_id,
                "name": name,
                "planned": {
                    year.label: _money(planned[(stream_id, year.pk)]) if (stream_id, year.pk) in planned else None
                    for year in years
                },
                "allocated": by_year(allocated, stream_id),
            }
            for stream_id, name in streams.items()
        ],
    }


# Plan versions and the funding movements between them ---------------------------------------------------------


def plan_version_list(commission: Commission) -> QuerySet[FundingPlanVersion]:
    """The commission's frozen plans, oldest first, with who froze each. One query."""
    return commission.plan_versions.select_related("frozen_by").order_by("number")


FIGURE_LABELS = {
    "plan": "Plan (the year's budget)",
    "requested": "Requested",
    "secured": "Secured",
    "provisional": "Provisional",
    "drawn": "Drawn down",
    "confirmed": "Confirmed",
    "planned": "Planned allocation",
    "allocated": "Allocated",
}
GROUPS = (
    ("position", "Funding position"),
    ("partners", "Partners"),
    ("reserves", "Reserves"),
    ("carry_forwards", "Carry-forwards"),
    ("work_streams", "Work-streams"),
)


@dataclass(frozen=True)
class Movement:
    """One figure in both plans: None where a plan does not have it (a year with no budget, a partner not yet in)."""

    name: str
    year: str
    figure: str
    before: Decimal | None
    after: Decimal | None

    @property
    def figure_label(self) -> str:
        return FIGURE_LABELS[self.figure]

    @property
    def change(self) -> Decimal:
        """After − before, a missing figure counting as £0."""
        return (self.after or ZERO) - (self.before or ZERO)


@dataclass(frozen=True)
class FigureTotal:
    figure: str
    before: Decimal
    after: Decimal

    @property
    def figure_label(self) -> str:
        return FIGURE_LABELS[self.figure]

    @property
    def change(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class MovementGroup:
    key: str
    title: str
    lines: list[Movement]

    @property
    def changed(self) -> list[Movement]:
        return [line for line in self.lines if line.change]

    @property
    def totals(self) -> list[FigureTotal]:
        """For each figure in the group, the sums of its lines before and after."""
        figures = list(dict.fromkeys(line.figure for line in self.lines))
        return [
            FigureTotal(
                figure,
                sum((line.before or ZERO for line in self.lines if line.figure == figure), ZERO),
                sum((line.after or ZERO for line in self.lines if line.figure == figure), ZERO),
            )
            for figure in figures
        ]


@dataclass(frozen=True)
class Movements:
    before: str
    after: str
    groups: list[MovementGroup]

    @property
    def changed(self) -> bool:
        return any(group.changed for group in self.groups)


_Key = tuple[Any, ...]
_Figure = tuple[str, str, str, Decimal | None]


def _amount(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _flatten(snapshot: dict[str, Any]) -> dict[str, dict[_Key, _Figure]]:
    """Each figure of a snapshot under a key that names it in any version: (group) → key → (name, year, figure,
    amount). Partners, reserves and work-streams are matched by id, years by label, carry-forwards by their years."""
    groups: dict[str, dict[_Key, _Figure]] = {key: {} for key, _ in GROUPS}
    for figure, amounts in snapshot["position"].items():
        for year, value in amounts.items():
            groups["position"][(figure, year)] = (FIGURE_LABELS[figure], year, figure, _amount(value))
    for group, figures in (
        ("partners", ("requested", "secured")),
        ("reserves", ("drawn",)),
        ("work_streams", ("planned", "allocated")),
    ):
        for item in snapshot[group]:
            for figure in figures:
                for year, value in item[figure].items():
                    groups[group][(item["id"], figure, year)] = (item["name"], year, figure, _amount(value))
    for carried in snapshot["carry_forwards"]:
        key = (carried["status"], carried["from"], carried["to"])
        name = f"{carried['from']} to {carried['to']}" if carried["from"] else f"Into {carried['to']}"
        earlier = groups["carry_forwards"].get(key)
        total = Decimal(carried["amount"]) + ((earlier[3] or ZERO) if earlier else ZERO)
        groups["carry_forwards"][key] = (name, carried["to"], carried["status"], total)
    return groups


def plan_movements(before: dict[str, Any], after: dict[str, Any], *, before_label: str, after_label: str) -> Movements:
    """What changed between two plan snapshots, by partner, reserve, carry-forward and work-stream, with the
    funding position by year and totals for each figure (the seeds' Appendix C). Reads no database."""
    old, new = _flatten(before), _flatten(after)
    groups = []
    for key, title in GROUPS:
        keys = list(new[key]) + [k for k in old[key] if k not in new[key]]
        lines = []
        for figure_key in keys:
            name, year, figure, _ = new[key].get(figure_key) or old[key][figure_key]
            was, now = old[key].get(figure_key), new[key].get(figure_key)
            lines.append(Movement(name, year, figure, was[3] if was else None, now[3] if now else None))
        groups.append(MovementGroup(key, title, lines))
    return Movements(before=before_label, after=after_label, groups=groups)


# A snapshot set out for reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRow:
    """One figure of a snapshot across the years (None where the plan has none, such as a year with no budget)."""

    name: str
    figure: str
    amounts: list[Decimal | None]

    @property
    def figure_label(self) -> str:
        return FIGURE_LABELS[self.figure]

    @property
    def total(self) -> Decimal:
        return sum((amount for amount in self.amounts if amount is not None), ZERO)


@dataclass(frozen=True)
class SnapshotTable:
    key: str
    title: str
    rows: list[SnapshotRow]

    @property
    def totals(self) -> list[SnapshotRow]:
        """A total row per figure, year by year: the sums of the rows above."""
        figures = list(dict.fromkeys(row.figure for row in self.rows))
        width = len(self.rows[0].amounts) if self.rows else 0
        return [
            SnapshotRow(
                "Total",
                figure,
                [
                    sum((row.amounts[i] or ZERO for row in self.rows if row.figure == figure), ZERO)
                    for i in range(width)
                ],
            )
            for figure in figures
        ]


@dataclass(frozen=True)
class SnapshotTables:
    years: list[str]
    tables: list[SnapshotTable]


def snapshot_tables(snapshot: dict[str, Any]) -> SnapshotTables:
    """A frozen plan as tables with a column per year, for its page: the same figures the movements compare."""
    flat = _flatten(snapshot)
    years = list(snapshot["years"])
    tables = []
    for key, title in GROUPS:
        rows: dict[tuple[Any, ...], dict[str, Decimal | None]] = {}
        names: dict[tuple[Any, ...], tuple[str, str]] = {}
        for figure_key, (name, year, figure, amount) in flat[key].items():
            row_key = figure_key[:-1] if key != "carry_forwards" else figure_key
            names[row_key] = (name, figure)
            rows.setdefault(row_key, {})[year] = amount
        tables.append(
            SnapshotTable(
                key,
                title,
                [
                    SnapshotRow(names[row_key][0], names[row_key][1], [amounts.get(year) for year in years])
                    for row_key, amounts in rows.items()
                ],
            )
        )
    return SnapshotTables(years=years, tables=tables)


# The fund statement report, annual or for a quarter ----------------------------------------------------------

ANNUAL = "annual"
QUARTER_MONTHS = {1: ("April", "June"), 2: ("July", "September"), 3: ("October", "December"), 4: ("January", "March")}


@dataclass(frozen=True)
class ReportPeriod:
    """A financial year, or one of its quarters (Q1 April–June … Q4 January–March)."""

    year: FinancialYear
    quarter: int | None = None

    @property
    def is_annual(self) -> bool:
        return self.quarter is None

    @property
    def starts_on(self) -> date:
        if self.quarter is None:
            return self.year.starts_on
        first_month = {1: 4, 2: 7, 3: 10, 4: 1}[self.quarter]
        return date(self.year.start_year + (1 if self.quarter == 4 else 0), first_month, 1)

    @property
    def ends_on(self) -> date:
        if self.quarter is None:
            return self.year.ends_on
        starts = self.starts_on
        last_month = starts.month + 2
        return date(starts.year, last_month, calendar.monthrange(starts.year, last_month)[1])

    @property
    def name(self) -> str:
        """ "2014/15" or "Q1 2014/15"."""
        return self.year.label if self.quarter is None else f"Q{self.quarter} {self.year.label}"

    @property
    def dates(self) -> str:
        return f"{_day(self.starts_on)} to {_day(self.ends_on)}"

    @property
    def slug(self) -> str:
        return self.year.label.replace("/", "-") + ("" if self.quarter is None else f"-q{self.quarter}")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class FundStatementReport:
    """A year of the fund statement for a report. Annual: every transaction recorded for the year, whatever its
    date. A quarter: `position` counts the year's transactions dated up to the quarter's last day, and
    `movements` those dated within the quarter. The plan, requested and provisional funding are as they stand."""

    commission: Commission
    period: ReportPeriod
    position: statement.YearStatement
    movements: statement.YearStatement | None


def fund_statement_report(commission: Commission, *, period: ReportPeriod) -> FundStatementReport:
    """The commission's fund statement for one year or quarter, summed in the database from the ledger's postings
    (integer pence): the statement's three queries per range of dates (one for a year, two for a quarter) and
    those of the requested, planned and provisional amounts, however many partners or transactions there are."""
    year_pk = period.year.pk
    figures = {
        "requested": requested_by_year(requested_amounts(commission)),
        "plan": plan_by_year(commission),
        "provisional": statement.provisional_funding_for(commission),
    }
    if period.is_annual:
        return FundStatementReport(
            commission, period, statement.fund_statement(commission, **figures).for_year(year_pk), None
        )
    position = statement.fund_statement(commission, dated_to=period.ends_on, **figures).for_year(year_pk)
    movements = statement.fund_statement(
        commission, dated_from=period.starts_on, dated_to=period.ends_on, **figures
    ).for_year(year_pk)
    return FundStatementReport(commission, period, position, movements)


@dataclass(frozen=True)
class PartnerStatementReport:
    """One partner's pledged, invoiced and received for one year or quarter, and nothing of any other partner.
    Annual: every transaction for the year, and the year by quarter of date. A quarter: `position` to its last
    day and `movements` within it."""

    commission: Commission
    partner: Partner
    period: ReportPeriod
    year: statement.PartnerYear
    position: statement.ArrearsLine
    movements: statement.ArrearsLine | None


def _sum_periods(year: statement.PartnerYear, periods: list[statement.Period]) -> statement.ArrearsLine:
    return statement.ArrearsLine(
        year=year.year,
        pledged=sum((p.pledged for p in periods), ZERO),
        invoiced=sum((p.invoiced for p in periods), ZERO),
        received=sum((p.received for p in periods), ZERO),
    )


def partner_statement_report(
    commission: Commission, partner: Partner, *, period: ReportPeriod
) -> PartnerStatementReport:
    """A partner's own statement for one year or quarter, from `statement.partner_statement` (two queries), whose
    periods go by transaction date: a quarter's position is the periods up to and including it."""
    mine = statement.partner_statement(commission, partner.pk)
    year = next(line for line in mine.years if line.year.pk == period.year.pk)
    if period.quarter is None:
        return PartnerStatementReport(commission, partner, period, year, _sum_periods(year, year.periods), None)
    quarter = period.quarter
    position = _sum_periods(year, [p for p in year.periods if p.number <= quarter])
    movements = _sum_periods(year, [p for p in year.periods if p.number == quarter])
    return PartnerStatementReport(commission, partner, period, year, position, movements)
