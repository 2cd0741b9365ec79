"""Reads for providers and contracts, aggregated in the database, in a fixed number of queries whatever the size.

- `contract_list`: contracts with what a list shows (committed value, spend, districts, values by year).
- `contract_detail`: one contract's values by year and its spend by year and quarter, with the ledger
  transactions each quarter posted.
- `commitments`: per financial year and pooled work-stream, the contracts' committed values against the work-stream's
  budget in the ledger, and the contracts' spend roll-up (forecast and actual) beside the ledger's own figures, which
  `contract_services` keeps equal to it (see its docstring for the rule).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from commissioning.contract_services import DISTRICT_COUNCIL
from commissioning.models import (
    Account,
    Commission,
    Contract,
    ContractSpend,
    ContractValue,
    FinancialYear,
    LedgerTransaction,
    Posting,
    Provider,
    WorkStream,
)
from commissioning.money import ZERO, MoneyField

# Providers --------------------------------------------------------------------------------------------------


def provider_list() -> QuerySet[Provider]:
    """Every provider with how many contracts it holds and how many are active; one query."""
    return Provider.objects.annotate(
        contract_count=Count("contracts"),
        active_contract_count=Count("contracts", filter=Q(contracts__status=Contract.Status.ACTIVE)),
    ).order_by("name")


# Contracts --------------------------------------------------------------------------------------------------


def _sum_of(queryset: QuerySet, column: str) -> Subquery:  # type: ignore[type-arg]
    """A correlated Σ of one column per contract, so the outer query has one row per contract."""
    return Subquery(
        queryset.filter(contract=OuterRef("pk")).values("contract").annotate(total=Sum(column)).values("total"),
        output_field=MoneyField(),
    )


def contract_list() -> QuerySet[Contract]:
    """Every contract with its commission, provider and work-stream, the districts it serves, its value per year,
    `committed` (Σ of its values) and `spent` (Σ of its actual spend), all from the database; three queries."""
    return (
        Contract.objects.select_related("commission", "provider", "work_stream")
        .prefetch_related(
            Prefetch("districts", queryset=_districts()),
            Prefetch(
                "values",
                queryset=ContractValue.objects.select_related("financial_year").order_by("financial_year__number"),
            ),
        )
        .annotate(
            committed=Coalesce(_sum_of(ContractValue.objects.all(), "value"), ZERO, output_field=MoneyField()),
            spent=Coalesce(_sum_of(ContractSpend.objects.all(), "actual"), ZERO, output_field=MoneyField()),
        )
        .order_by("commission__name", "work_stream__position", "title", "pk")
    )


def _districts() -> QuerySet:  # type: ignore[type-arg]
    return Contract.districts.field.related_model.objects.order_by("name")  # type: ignore[no-any-return]


def contracts_running_in(contracts: QuerySet[Contract], year: FinancialYear) -> QuerySet[Contract]:
    """The contracts that run for at least a day of the year, with that year's `year_value`, `year_actual` (Σ of the
    quarters) and `year_forecast` (the latest quarter's forecast outturn); None where nothing is recorded."""
    latest_forecast = ContractSpend.objects.filter(contract=OuterRef("pk"), financial_year=year).order_by("-quarter")
    return (
        contracts.filter(starts_on__lte=year.ends_on)
        .filter(Q(ended_on__isnull=True, ends_on__gte=year.starts_on) | Q(ended_on__gte=year.starts_on))
        .annotate(
            year_value=Subquery(
                ContractValue.objects.filter(contract=OuterRef("pk"), financial_year=year).values("value")[:1],
                output_field=MoneyField(),
            ),
            year_actual=_sum_of(ContractSpend.objects.filter(financial_year=year), "actual"),
            year_forecast=Subquery(latest_forecast.values("forecast")[:1], output_field=MoneyField()),
        )
    )


@dataclass(frozen=True)
class QuarterSpend:
    """A quarter recorded against a contract, and the ledger transactions it posted (spend, forecast)."""

    record: ContractSpend
    transactions: list[LedgerTransaction]


@dataclass(frozen=True)
class YearSpend:
    """One financial year of a contract: its value, its quarters in order, and the figures worked out from them."""

    year: FinancialYear
    value: Decimal | None
    quarters: list[QuarterSpend]

    @property
    def actual(self) -> Decimal:
        """Σ of the quarters' actual spend."""
        return sum((row.record.actual for row in self.quarters if row.record.actual is not None), ZERO)

    @property
    def forecast(self) -> Decimal | None:
        """The forecast outturn given with the latest quarter recorded."""
        return self.quarters[-1].record.forecast if self.quarters else None

    @property
    def variance(self) -> Decimal | None:
        """Value − forecast: positive is an expected underspend against the contract."""
        if self.value is None or self.forecast is None:
            return None
        return self.value - self.forecast


@dataclass(frozen=True)
class ContractDetail:
    contract: Contract
    years: list[YearSpend]

    @property
    def committed(self) -> Decimal:
        return sum((year.value for year in self.years if year.value is not None), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((year.actual for year in self.years), ZERO)

    @property
    def has_spend(self) -> bool:
        return any(year.quarters for year in self.years)


def contract_detail(contract: Contract) -> ContractDetail:
    """Each of the commission's years the contract runs in (and any other year with a value or spend), with its
    value, its quarters in order and the ledger transactions each quarter posted. Four queries."""
    values = {row.financial_year_id: row.value for row in ContractValue.objects.filter(contract=contract)}
    records = list(ContractSpend.objects.filter(contract=contract).select_related("recorded_by").order_by("quarter"))
    posted: dict[int, list[LedgerTransaction]] = defaultdict(list)
    if records:
        for tx in LedgerTransaction.objects.filter(
            source_type=ContentType.objects.get_for_model(ContractSpend),
            source_id__in=[record.pk for record in records],
        ).order_by("number"):
            posted[tx.source_id].append(tx)  # type: ignore[index]
    quarters: dict[int, list[QuarterSpend]] = defaultdict(list)
    for record in records:
        quarters[record.financial_year_id].append(QuarterSpend(record, posted[record.pk]))
    years = []
    for year in contract.commission.years.order_by("number"):
        runs = year.starts_on <= contract.last_day and year.ends_on >= contract.starts_on
        if runs or year.pk in values or year.pk in quarters:
            years.append(YearSpend(year, values.get(year.pk), quarters.get(year.pk, [])))
    return ContractDetail(contract, years)


# Committed against allocated, and the spend roll-up ---------------------------------------------------------


@dataclass(frozen=True)
class CommitmentLine:
    """A pooled work-stream in one year: its budget in the ledger, what its contracts commit, and their spend.

    `allocated` is the work-stream's budget in the ledger for the year: what was allocated to it less anything
    carried forward from it (the credit balance of its work-stream account, as a positive figure).
    """

    work_stream: WorkStream
    allocated: Decimal
    committed: Decimal
    contract_count: int
    contract_forecast: Decimal
    contract_actual: Decimal
    ledger_forecast: Decimal
    ledger_actual: Decimal

    @property
    def uncommitted(self) -> Decimal:
        """Allocated − committed: negative where contracts commit more than the work-stream's budget."""
        return self.allocated - self.committed

    @property
    def over_committed(self) -> bool:
        return self.committed > self.allocated

    @property
    def ledger_agrees(self) -> bool:
        """Whether the ledger's forecast and spend for the work-stream are the contracts' roll-up."""
        return (self.ledger_forecast, self.ledger_actual) == (self.contract_forecast, self.contract_actual)


@dataclass(frozen=True)
class YearCommitments:
    year: FinancialYear
    lines: list[CommitmentLine] = field(default_factory=list)

    def _total(self, name: str) -> Decimal:
        return sum((getattr(line, name) for line in self.lines), ZERO)

    @property
    def allocated(self) -> Decimal:
        return self._total("allocated")

    @property
    def committed(self) -> Decimal:
        return self._total("committed")

    @property
    def uncommitted(self) -> Decimal:
        return self.allocated - self.committed

    @property
    def contract_forecast(self) -> Decimal:
        return self._total("contract_forecast")

    @property
    def contract_actual(self) -> Decimal:
        return self._total("contract_actual")


_Key = tuple[int, int]  # (work-stream id, financial year id)


def contract_spend_rollup(commission: Commission) -> dict[_Key, tuple[Decimal, Decimal]]:
    """(forecast, actual) per work-stream and year from the contracts' quarters, as the ledger should hold them:
    forecast = Σ of each contract's latest-quarter forecast; actual = Σ of every quarter's actual. Two queries."""
    spend = ContractSpend.objects.filter(contract__commission=commission)
    actual = {
        (row["contract__work_stream"], row["financial_year"]): row["total"]
        for row in spend.values("contract__work_stream", "financial_year").annotate(
            total=Coalesce(Sum("actual"), ZERO, output_field=MoneyField())
        )
    }
    later = ContractSpend.objects.filter(
        contract=OuterRef("contract"), financial_year=OuterRef("financial_year"), quarter__gt=OuterRef("quarter")
    )
    forecast = {
        (row["contract__work_stream"], row["financial_year"]): row["total"]
        for row in spend.filter(~Exists(later))
        .values("contract__work_stream", "financial_year")
        .annotate(total=Coalesce(Sum("forecast"), ZERO, output_field=MoneyField()))
    }
    return {key: (forecast.get(key, ZERO), actual.get(key, ZERO)) for key in forecast.keys() | actual.keys()}


def commitments(commission: Commission) -> list[YearCommitments]:
    """Each of the commission's years with a line per pooled work-stream (and any other with contracts): the ledger's
    budget, the contracts' committed values and count, their forecast and actual roll-up, and the ledger's forecast
    and actual. Six queries, whatever the number of years, work-streams, contracts or transactions."""
    years = list(commission.years.order_by("number"))
    committed: dict[_Key, tuple[Decimal, int]] = {
        (row["contract__work_stream"], row["financial_year"]): (row["total"], row["contracts"])
        for row in ContractValue.objects.filter(contract__commission=commission)
        .values("contract__work_stream", "financial_year")
        .annotate(total=Sum("value", output_field=MoneyField()), contracts=Count("contract", distinct=True))
    }
    rollup = contract_spend_rollup(commission)
    kinds = {Account.Kind.WORK_STREAM: "allocated", Account.Kind.FORECAST: "forecast", Account.Kind.SPEND: "actual"}
    ledger: dict[tuple[str, int, int], Decimal] = {
        (kinds[row["account__kind"]], row["account__work_stream"], row["account__financial_year"]): row["total"]
        for row in Posting.objects.filter(account__commission=commission, account__kind__in=kinds)
        .values("account__kind", "account__work_stream", "account__financial_year")
        .annotate(total=Sum("amount", output_field=MoneyField()))
    }
    with_contracts = {stream_id for stream_id, _ in committed} | {stream_id for stream_id, _ in rollup}
    streams = list(
        commission.work_streams.filter(Q(pooled_share__isnull=False) | Q(pk__in=with_contracts)).order_by(
            "position", "name"
        )
    )
    result = []
    for year in years:
        lines = []
        for stream in streams:
            key = (stream.pk, year.pk)
            value, count = committed.get(key, (ZERO, 0))
            forecast, actual = rollup.get(key, (ZERO, ZERO))
            lines.append(
                CommitmentLine(
                    work_stream=stream,
                    allocated=-ledger.get(("allocated", *key), ZERO),  # a work-stream account has a credit balance
                    committed=value,
                    contract_count=count,
                    contract_forecast=forecast,
                    contract_actual=actual,
                    ledger_forecast=ledger.get(("forecast", *key), ZERO),
                    ledger_actual=ledger.get(("actual", *key), ZERO),
                )
            )
        result.append(YearCommitments(year, lines))
    return result


def district_choices() -> QuerySet:  # type: ignore[type-arg]
    """The district councils a contract may serve, by name."""
    return _districts().filter(kind=DISTRICT_COUNCIL)
