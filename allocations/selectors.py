"""Reads for the allocation and reconciliation pages, in a fixed number of queries whatever the size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from allocations.models import (
    AllocationOverride,
    BasisDataset,
    BasisValue,
    CostCategory,
    Formula,
    FormulaParticipant,
    ImportedWorkStreamAllocation,
    MonitoringReturn,
    TableImport,
    WorkStreamAllocation,
    YearBudget,
)
from commissioning.models import Account, Commission, FinancialYear, LedgerTransaction, Posting, WorkStream
from commissioning.money import ZERO, MoneyField, format_pounds
from partners.models import ContributionRequest


@dataclass(frozen=True)
class AllocationLine:
    work_stream: WorkStream
    allocation: WorkStreamAllocation | None
    latest_return: MonitoringReturn | None
    in_ledger: Decimal = ZERO

    @property
    def awaiting_posting(self) -> Decimal:
        """The plan's allocation not yet posted from the pool to the work-stream in the ledger."""
        return (self.allocation.amount if self.allocation else ZERO) - self.in_ledger

    @property
    def forecast(self) -> Decimal | None:
        return self.latest_return.forecast if self.latest_return else None

    @property
    def actual(self) -> Decimal | None:
        return self.latest_return.actual if self.latest_return else None

    @property
    def variance(self) -> Decimal | None:
        """Allocation − forecast: positive is an underspend. Computed, never typed."""
        if self.allocation is None or self.latest_return is None:
            return None
        return self.allocation.amount - self.latest_return.forecast


@dataclass(frozen=True)
class YearAllocations:
    year: FinancialYear
    budget: YearBudget | None
    lines: list[AllocationLine]
    returns_by_quarter: dict[int, list[MonitoringReturn]]

    @property
    def total_allocated(self) -> Decimal:
        return sum((line.allocation.amount for line in self.lines if line.allocation), ZERO)

    @property
    def total_computed(self) -> Decimal:
        return sum((line.allocation.computed_amount for line in self.lines if line.allocation), ZERO)

    @property
    def total_forecast(self) -> Decimal | None:
        forecasts = [line.forecast for line in self.lines if line.forecast is not None]
        return sum(forecasts, ZERO) if forecasts else None

    @property
    def total_actual(self) -> Decimal | None:
        actuals = [line.actual for line in self.lines if line.actual is not None]
        return sum(actuals, ZERO) if actuals else None

    @property
    def total_variance(self) -> Decimal | None:
        variances = [line.variance for line in self.lines if line.variance is not None]
        return sum(variances, ZERO) if variances else None

    @property
    def differs_from_budget(self) -> Decimal:
        """Lines after overrides minus the budget; zero unless an override moved money."""
        return self.total_allocated - self.budget.amount if self.budget else ZERO

    @property
    def total_in_ledger(self) -> Decimal:
        return sum((line.in_ledger for line in self.lines), ZERO)

    @property
    def awaiting_posting(self) -> Decimal:
        return sum((line.awaiting_posting for line in self.lines), ZERO)

    @property
    def rounding_lines(self) -> list[str]:
        return [line.work_stream.name for line in self.lines if line.allocation and line.allocation.took_rounding]


def commission_allocations(commission: Commission) -> list[YearAllocations]:
    """Each financial year with its budget, its pooled work-stream lines (allocation, latest forecast and
    actual, variance) and its monitoring returns by quarter. Five queries, whatever the number of years."""
    years = list(commission.years.order_by("number"))
    budgets = {b.financial_year_id: b for b in YearBudget.objects.filter(financial_year__commission=commission)}
    streams = list(commission.work_streams.filter(pooled_share__isnull=False).order_by("position", "name"))
    allocations = {
        (a.financial_year_id, a.work_stream_id): a
        for a in WorkStreamAllocation.objects.filter(financial_year__commission=commission).select_related(
            "overridden_by"
        )
    }
    returns: dict[int, list[MonitoringReturn]] = defaultdict(list)
    for monitoring in (
        MonitoringReturn.objects.filter(financial_year__commission=commission)
        .select_related("work_stream")
        .order_by("quarter", "work_stream__position")
    ):
        returns[monitoring.financial_year_id].append(monitoring)
    posted = posted_allocations(commission)
    result = []
    for year in years:
        latest: dict[int, MonitoringReturn] = {}
        by_quarter: dict[int, list[MonitoringReturn]] = defaultdict(list)
        for monitoring in returns[year.pk]:
            latest[monitoring.work_stream_id] = monitoring  # ordered by quarter, so the last one wins
            by_quarter[monitoring.quarter].append(monitoring)
        lines = [
            AllocationLine(
                stream,
                allocations.get((year.pk, stream.pk)),
                latest.get(stream.pk),
                posted.get((year.pk, stream.pk), ZERO),
            )
            for stream in streams
            if stream.valid_to is None or (year.pk, stream.pk) in allocations
        ]
        result.append(YearAllocations(year, budgets.get(year.pk), lines, dict(sorted(by_quarter.items()))))
    return result


def posted_allocations(commission: Commission) -> dict[tuple[int, int], Decimal]:
    """(year id, work-stream id) → what the ledger holds as allocated, net of reversals. One query."""
    rows = (
        Posting.objects.filter(account__commission=commission, account__kind=Account.Kind.WORK_STREAM)
        .filter(
            Q(transaction__kind=LedgerTransaction.Kind.ALLOCATION)
            | Q(transaction__reverses__kind=LedgerTransaction.Kind.ALLOCATION)
        )
        .values("account__financial_year_id", "account__work_stream_id")
        .annotate(total=Sum("amount", output_field=MoneyField()))
    )
    return {(row["account__financial_year_id"], row["account__work_stream_id"]): -row["total"] for row in rows}


def commission_formulas(commission: Commission) -> QuerySet[Formula]:
    """Every version of every formula of the commission, newest version first within a name."""
    return (
        commission.formulas.select_related("basis_dataset", "created_by", "superseded_by")
        .prefetch_related("participants__partner", "cost_categories__spread_dataset")
        .order_by("name", "-version")
    )


def commission_requests(commission: Commission) -> QuerySet[ContributionRequest]:
    return commission.contribution_requests.select_related("financial_year", "formula", "letter").order_by(
        "financial_year__number", "partner_name"
    )


# Lists for the API: every row with what it shows, in a fixed number of queries --------------------------------


def formula_list() -> QuerySet[Formula]:
    """Every formula version with its basis dataset, participants and cost categories (three queries).

    `next_version_id` is the version that superseded it, or None for the version in force.
    """
    return (
        Formula.objects.select_related("basis_dataset", "created_by")
        .prefetch_related(
            Prefetch("participants", queryset=FormulaParticipant.objects.select_related("partner")),
            Prefetch("cost_categories", queryset=CostCategory.objects.select_related("spread_dataset")),
        )
        .annotate(next_version_id=F("superseded_by__id"))
        .order_by("commission_id", "name", "-version")
    )


def basis_dataset_list() -> QuerySet[BasisDataset]:
    """Every basis dataset with its values and their partners (two queries)."""
    return BasisDataset.objects.prefetch_related(
        Prefetch("values", queryset=BasisValue.objects.select_related("partner"))
    ).order_by("name")


def basis_datasets_for_commission(datasets: QuerySet[BasisDataset], commission_id: int) -> QuerySet[BasisDataset]:
    """The datasets a commission uses: weighting a formula, spreading a cost category, or imported into it.

    Datasets belong to no commission (one population estimate serves many), so this is how a commission finds its.
    """
    spreading = CostCategory.objects.filter(formula__commission_id=commission_id).values("spread_dataset_id")
    return datasets.filter(
        Q(formulas__commission_id=commission_id) | Q(pk__in=spreading) | Q(table_import__commission_id=commission_id)
    ).distinct()


def allocation_list() -> QuerySet[WorkStreamAllocation]:
    """Every work-stream allocation with its year, work-stream, override and the history of overrides (two queries)."""
    return (
        WorkStreamAllocation.objects.select_related("financial_year", "work_stream", "overridden_by")
        .prefetch_related(
            Prefetch("overrides", queryset=AllocationOverride.objects.select_related("by").order_by("at", "pk"))
        )
        .order_by(
            "financial_year__commission_id", "financial_year__number", "work_stream__position", "work_stream__name"
        )
    )


def year_budget_list() -> QuerySet[YearBudget]:
    """Every year's budget with the allocation lines it was split into (two queries)."""
    return (
        YearBudget.objects.select_related("financial_year", "set_by")
        .prefetch_related(
            Prefetch(
                "financial_year__allocations",
                queryset=WorkStreamAllocation.objects.select_related("work_stream"),
            )
        )
        .order_by("financial_year__commission_id", "financial_year__number")
    )


def monitoring_return_list() -> QuerySet[MonitoringReturn]:
    """Every monitoring return with the allocation in force for its year and work-stream, and the variance
    (allocation − forecast; positive is an underspend), both computed by the database in integer pence. One query.

    Both are None where the year has no allocation for the work-stream yet. An imported row's own allocation and
    variance stay as stated (`stated_allocation`, `stated_variance`) for the reconciliation to check.
    """
    allocation = WorkStreamAllocation.objects.filter(
        financial_year=OuterRef("financial_year"), work_stream=OuterRef("work_stream")
    ).values("amount")[:1]
    return (
        MonitoringReturn.objects.select_related("financial_year", "work_stream", "recorded_by")
        .annotate(allocation_amount=Subquery(allocation, output_field=MoneyField()))
        .annotate(variance=ExpressionWrapper(F("allocation_amount") - F("forecast"), output_field=MoneyField()))
        .order_by("financial_year__commission_id", "financial_year__number", "quarter", "work_stream__position", "pk")
    )


# Reconciliation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """A figure stated somewhere that differs from what the system computes from its parts."""

    where: str
    what: str
    stated: Decimal
    computed: Decimal
    rule: str
    table_import: TableImport | None = None
    is_percent: bool = False

    @property
    def difference(self) -> Decimal:
        """Stated − computed: positive where the statement says more than the parts give."""
        return self.stated - self.computed


@dataclass
class Reconciliation:
    commission: Commission
    mismatches: list[Mismatch] = field(default_factory=list)
    checked: int = 0

    def check(
        self,
        *,
        where: str,
        what: str,
        stated: Decimal | None,
        computed: Decimal,
        rule: str,
        table: TableImport | None = None,
        is_percent: bool = False,
    ) -> None:
        if stated is None:
            return
        self.checked += 1
        if stated != computed:
            self.mismatches.append(Mismatch(where, what, stated, computed, rule, table, is_percent))


def commission_reconciliation(commission: Commission) -> Reconciliation:
    """Every stated figure of the commission checked against the figure computed from its parts.

    Stated figures: the total rows of imported tables, the allocation and variance columns of imported
    monitoring tables, the lines of imported work-stream allocation tables (against the live split), and the
    year budgets (against the allocation lines after overrides). A fixed number of queries.
    """
    report = Reconciliation(commission)
    imports = list(
        commission.table_imports.select_related("financial_year")
        .prefetch_related(
            "stated_totals__financial_year",
            "contributions",
            "work_stream_allocations__work_stream",
            "work_stream_allocations__financial_year",
            "monitoring_returns__work_stream",
        )
        .order_by("imported_at", "pk")
    )
    live = {
        (a.financial_year_id, a.work_stream_id): a
        for a in WorkStreamAllocation.objects.filter(financial_year__commission=commission)
    }
    for table in imports:
        _reconcile_table(report, table, live)
    for year in commission_allocations_budgets(commission):
        budget, total = year
        report.check(
            where=f"{budget.financial_year} budget",
            what="Budget against the work-stream allocations after overrides",
            stated=budget.amount,
            computed=total,
            rule="the budget should equal the sum of its allocation lines",
        )
    return report


def commission_allocations_budgets(commission: Commission) -> list[tuple[YearBudget, Decimal]]:
    budgets = list(YearBudget.objects.filter(financial_year__commission=commission).select_related("financial_year"))
    sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for allocation in WorkStreamAllocation.objects.filter(financial_year__commission=commission):
        sums[allocation.financial_year_id] += allocation.amount
    return [(budget, sums[budget.financial_year_id]) for budget in budgets]


def _reconcile_table(
    report: Reconciliation, table: TableImport, live: dict[tuple[int, int], WorkStreamAllocation]
) -> None:
    kinds = TableImport.Kind
    sums: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: ZERO)
    if table.kind == kinds.CONTRIBUTIONS:
        for line in table.contributions.all():
            sums[("amount", None)] += line.amount
    elif table.kind == kinds.WORK_STREAM_ALLOCATIONS:
        for line in table.work_stream_allocations.all():
            sums[("amount", line.financial_year_id)] += line.amount
            _check_work_stream_line(report, table, line, live)
    elif table.kind == kinds.MONITORING:
        for monitoring in table.monitoring_returns.all():
            _check_monitoring_row(report, table, monitoring, live, sums)
    for total in table.stated_totals.all():
        computed = sums[(total.column, total.financial_year_id)]
        column = total.column + (f" {total.financial_year}" if total.financial_year_id else "")
        report.check(
            where=f"{table.title}, row {total.row_number} ('{total.label}')",
            what=f"Total of {column}",
            stated=total.amount,
            computed=computed,
            rule=f"sum of the table's {total.column} lines",
            table=table,
        )


def _check_monitoring_row(
    report: Reconciliation,
    table: TableImport,
    monitoring: MonitoringReturn,
    live: dict[tuple[int, int], WorkStreamAllocation],
    sums: dict[tuple[str, int | None], Decimal],
) -> None:
    allocation = _row_allocation(monitoring, live)
    sums[("forecast", None)] += monitoring.forecast
    sums[("actual", None)] += monitoring.actual or ZERO
    where = f"{table.title}, row {monitoring.row_number} ({monitoring.work_stream.name})"
    if allocation is not None:
        sums[("allocation", None)] += allocation
        sums[("variance", None)] += allocation - monitoring.forecast
        report.check(
            where=where,
            what="Variance",
            stated=monitoring.stated_variance,
            computed=allocation - monitoring.forecast,
            rule=f"allocation {format_pounds(allocation)} − forecast {format_pounds(monitoring.forecast)}",
            table=table,
        )
    allocation_live = live.get((monitoring.financial_year_id, monitoring.work_stream_id))
    if allocation_live is not None:
        report.check(
            where=where,
            what="Allocation",
            stated=monitoring.stated_allocation,
            computed=allocation_live.amount,
            rule="the year's allocation to the work-stream in this commission",
            table=table,
        )


def _row_allocation(monitoring: MonitoringReturn, live: dict[tuple[int, int], WorkStreamAllocation]) -> Decimal | None:
    """The allocation a monitoring row's variance is computed against: the table's own, else the live one."""
    if monitoring.stated_allocation is not None:
        return monitoring.stated_allocation
    allocation = live.get((monitoring.financial_year_id, monitoring.work_stream_id))
    return allocation.amount if allocation else None


def _check_work_stream_line(
    report: Reconciliation,
    table: TableImport,
    line: ImportedWorkStreamAllocation,
    live: dict[tuple[int, int], WorkStreamAllocation],
) -> None:
    where = f"{table.title}, row {line.row_number} ({line.work_stream.name}, {line.financial_year})"
    allocation = live.get((line.financial_year_id, line.work_stream_id))
    if allocation is not None:
        report.check(
            where=where,
            what="Allocation",
            stated=line.amount,
            computed=allocation.amount,
            rule="the year's budget split by the work-streams' shares (largest remainder)",
            table=table,
        )
    if line.stated_share is not None and line.work_stream.pooled_share is not None:
        report.check(
            where=where,
            what="Share (%)",
            stated=line.stated_share,
            computed=line.work_stream.pooled_share,
            rule="the work-stream's pooled share",
            table=table,
            is_percent=True,
        )
