"""Reads for reserves, carry-forwards and the pool rules, aggregated in the database, in a fixed number of queries.

Figures here come from the ledger (the book of record) wherever the ledger holds them: a reserve's balance, a
work-stream's budget, forecast and spend, a partner's contribution to a year. What is decided but not yet posted
(an approved drawdown, an outline-approved carry-forward) is read from its own record and labelled as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from commissioning import pool_rules
from commissioning.models import (
    Account,
    CarryForward,
    CarryForwardEvent,
    CarryForwardPart,
    Commission,
    FinancialYear,
    LedgerTransaction,
    PoolRules,
    Posting,
    Reserve,
    ReserveDrawdown,
    ReserveDrawdownEvent,
    WorkStream,
)
from commissioning.models.funding import default_overspend_order
from commissioning.money import ZERO, MoneyField, round_half_up

Kind = LedgerTransaction.Kind
AccountKind = Account.Kind
Status = ReserveDrawdown.Status
CarryStatus = CarryForward.Status
# Carry-forwards that still claim a year's underspend: one proposed or approved may yet be posted, and a
# confirmed one has been. A rejected or lapsed one claims nothing.
LIVE_CARRY_FORWARDS = (CarryStatus.PROPOSED, CarryStatus.OUTLINE_APPROVED, CarryStatus.CONFIRMED)


def _sum(expression: str, **filters: Any) -> Coalesce:
    return Coalesce(Sum(expression, filter=Q(**filters) if filters else None), ZERO, output_field=MoneyField())


def _effective_kind() -> Coalesce:
    """A transaction's kind, or for a reversal the kind of what it reverses: so a reversed pledge nets off its
    pledge, and sums by kind stay right after corrections."""
    return Coalesce(F("transaction__reverses__kind"), F("transaction__kind"))


# Reserves ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReservePosition:
    """A reserve and where it stands: what the ledger says it holds, and what decisions have committed of it."""

    reserve: Reserve
    opening_posted: bool
    holds: Decimal
    drawn: Decimal
    approved_not_posted: Decimal
    proposed: Decimal
    drawdowns: list[ReserveDrawdown] = field(default_factory=list)

    @property
    def base(self) -> Decimal:
        """What the reserve has to give: its ledger balance once the opening balance is posted, its stated opening
        balance before that (nothing can be drawn from it in the ledger until then)."""
        return self.holds if self.opening_posted else self.reserve.opening_balance

    @property
    def available(self) -> Decimal:
        """What is free to commit: the base less drawdowns approved but not yet posted."""
        return self.base - self.approved_not_posted


def _subtotal(queryset: QuerySet[Any], group: str, amount: str = "amount") -> Subquery:
    """The sum of `amount` over `queryset` (already narrowed to the outer row), as a subquery."""
    return Subquery(queryset.order_by().values(group).annotate(total=Sum(amount)).values("total")[:1])


def reserves_with_positions() -> QuerySet[Reserve]:
    """Reserves annotated, in the database, with what their position needs: `ledger_balance` (the sum of the
    reserve account's postings), `opening_posted`, and the sums of posted, approved and proposed drawdowns. Add
    `.prefetch_related(Prefetch("drawdowns", queryset=drawdown_list()))` for the drawdowns themselves."""
    postings = Posting.objects.filter(account__kind=AccountKind.RESERVE, account__reserve=OuterRef("pk"))
    drawdowns = ReserveDrawdown.objects.filter(reserve=OuterRef("pk"))

    def money(subquery: Subquery) -> Coalesce:
        return Coalesce(subquery, ZERO, output_field=MoneyField())

    return Reserve.objects.annotate(
        ledger_balance=money(_subtotal(postings, "account__reserve")),
        opening_posted=Exists(postings.filter(transaction__kind=Kind.RESERVE_OPENING)),
        drawn=money(_subtotal(drawdowns.filter(status=Status.POSTED), "reserve")),
        approved_not_posted=money(_subtotal(drawdowns.filter(status=Status.APPROVED), "reserve")),
        proposed=money(_subtotal(drawdowns.filter(status=Status.PROPOSED), "reserve")),
    )


def position_of(reserve: Reserve) -> ReservePosition:
    """The position of a reserve from `reserves_with_positions`, with its drawdowns if they were prefetched."""
    cached = getattr(reserve, "_prefetched_objects_cache", {})
    return ReservePosition(
        reserve=reserve,
        opening_posted=reserve.opening_posted,  # type: ignore[attr-defined]
        holds=-reserve.ledger_balance,  # type: ignore[attr-defined]  (a reserve has a credit balance)
        drawn=reserve.drawn,  # type: ignore[attr-defined]
        approved_not_posted=reserve.approved_not_posted,  # type: ignore[attr-defined]
        proposed=reserve.proposed,  # type: ignore[attr-defined]
        drawdowns=list(cached["drawdowns"]) if "drawdowns" in cached else [],
    )


def reserve_positions(commission: Commission, *, with_drawdowns: bool = False) -> list[ReservePosition]:
    """Every reserve of the commission with its ledger balance and its drawdowns by state: one query (three with
    the drawdowns and their history)."""
    reserves = reserves_with_positions().filter(commission=commission).order_by("name")
    if with_drawdowns:
        reserves = reserves.prefetch_related(Prefetch("drawdowns", queryset=drawdown_list()))
    return [position_of(reserve) for reserve in reserves]


def reserve_position(reserve: Reserve, *, with_drawdowns: bool = False) -> ReservePosition:
    reserves = reserves_with_positions().filter(pk=reserve.pk)
    if with_drawdowns:
        reserves = reserves.prefetch_related(Prefetch("drawdowns", queryset=drawdown_list()))
    return position_of(reserves.get())


def drawdown_list() -> QuerySet[ReserveDrawdown]:
    """Drawdowns with who did what and their history, oldest first (two queries)."""
    return (
        ReserveDrawdown.objects.select_related(
            "reserve",
            "financial_year",
            "proposed_by",
            "approved_by",
            "posted_by",
            "rejected_by",
            "transaction",
        )
        .prefetch_related(Prefetch("events", queryset=ReserveDrawdownEvent.objects.select_related("by")))
        .order_by("reserve_id", "financial_year__number", "proposed_at", "pk")
    )


# Carry-forwards -----------------------------------------------------------------------------------------------


def carry_forward_list() -> QuerySet[CarryForward]:
    """Every carry-forward with its years, people, parts and history (three queries)."""
    return (
        CarryForward.objects.select_related(
            "commission",
            "from_year",
            "to_year",
            "proposed_by",
            "outline_approved_by",
            "confirmed_by",
            "rejected_by",
            "lapsed_by",
            "transaction",
        )
        .prefetch_related(
            Prefetch("parts", queryset=CarryForwardPart.objects.select_related("work_stream")),
            Prefetch("events", queryset=CarryForwardEvent.objects.select_related("by")),
        )
        .order_by("commission_id", "from_year__number", "proposed_at", "pk")
    )


def provisional_funding(commission: Commission) -> dict[FinancialYear, Decimal]:
    """Funding each year of the commission may receive but has not secured: carry-forwards outline approved into it
    and not yet confirmed. Every year is present, in order, with £0.00 where there is none. Two queries.

    A confirmed carry-forward is secured (posted to the year's pool in the ledger) and is not counted here.
    """
    totals = dict(
        CarryForward.objects.filter(commission=commission, status=CarryStatus.OUTLINE_APPROVED)
        .order_by()
        .values("to_year_id")
        .annotate(total=_sum("amount"))
        .values_list("to_year_id", "total")
    )
    return {year: totals.get(year.pk, ZERO) for year in commission.years.order_by("number")}


def carried_forward_claims(commission: Commission) -> dict[tuple[int, int], Decimal]:
    """What live carry-forwards (proposed, outline approved or confirmed) claim of each (year, work-stream)'s
    underspend, keyed by (from year id, work-stream id). One query."""
    rows = (
        CarryForwardPart.objects.filter(
            carry_forward__commission=commission, carry_forward__status__in=LIVE_CARRY_FORWARDS
        )
        .order_by()
        .values("carry_forward__from_year_id", "work_stream_id")
        .annotate(total=_sum("amount"))
    )
    return {(row["carry_forward__from_year_id"], row["work_stream_id"]): row["total"] for row in rows}


# The ledger's view of a year's work-streams ---------------------------------------------------------------


@dataclass(frozen=True)
class LedgerStreamPosition:
    """A work-stream's year as the ledger has it: budget (allocations less carry-forwards out), the latest
    forecast outturn and actual spend. `underspend` is what `ledger.underspend` computes."""

    budget: Decimal = ZERO
    forecast: Decimal = ZERO
    spend: Decimal = ZERO
    allocated: bool = False

    @property
    def outturn(self) -> Decimal:
        """The forecast, or the actual spend where that is higher."""
        return max(self.forecast, self.spend)

    @property
    def underspend(self) -> Decimal:
        """Budget − outturn; negative is an overspend."""
        return self.budget - self.outturn


def ledger_stream_positions(commission: Commission) -> dict[tuple[int, int], LedgerStreamPosition]:
    """Each (year id, work-stream id) the ledger has a budget, forecast or spend for. One query; accounts are read,
    never created."""
    figures: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
    for account in (
        Account.objects.filter(
            commission=commission,
            kind__in=[AccountKind.WORK_STREAM, AccountKind.FORECAST, AccountKind.SPEND],
            financial_year__isnull=False,
            work_stream__isnull=False,
        )
        .annotate(posted=_sum("postings__amount"))
        .only("kind", "financial_year_id", "work_stream_id")
        .order_by()
    ):
        key = (account.financial_year_id, account.work_stream_id)
        if account.kind == AccountKind.WORK_STREAM:
            figures[key]["budget"] = -account.posted  # a budget is a credit balance
            figures[key]["allocated"] = True
        elif account.kind == AccountKind.FORECAST:
            figures[key]["forecast"] = account.posted
        else:
            figures[key]["spend"] = account.posted
    return {key: LedgerStreamPosition(**values) for key, values in figures.items()}


# Pool rules -------------------------------------------------------------------------------------------------


def pool_rules_of(commission: Commission) -> tuple[PoolRules, bool]:
    """The commission's pool rules and whether they have been set; unset, the defaults DESIGN.md states (not saved)."""
    rules = PoolRules.objects.select_related("reserve", "set_by").filter(commission=commission).first()
    if rules is not None:
        return rules, True
    return PoolRules(commission=commission, overspend_order=default_overspend_order()), False


@dataclass(frozen=True)
class PoolYear:
    """One year of the pool under its rules: the ledger's work-stream positions, the overspend and how it is met."""

    year: FinancialYear
    streams: list[tuple[WorkStream, LedgerStreamPosition]]
    contributions: dict[Any, Decimal]
    reserve_available: Decimal
    outcome: pool_rules.OverspendOutcome

    @property
    def overspend(self) -> Decimal:
        return self.outcome.overspend

    @property
    def underspend_total(self) -> Decimal:
        return sum((max(position.underspend, ZERO) for _, position in self.streams), ZERO)


def contributions_by_year(commission: Commission) -> dict[int, dict[Any, Decimal]]:
    """Each partner's accepted pledges to each year, from the ledger (pledges less reversed pledges), keyed by year
    id and then partner, partners in name order. Two queries."""
    rows = (
        Posting.objects.filter(account__commission=commission, account__kind=AccountKind.PLEDGED)
        .annotate(effective=_effective_kind())
        .filter(effective=Kind.PLEDGE_ACCEPTED)
        .order_by()  # no default ordering: it would join the commission for nothing
        .values("account__financial_year_id", "account__partner_id")
        .annotate(total=Sum("amount"))
    )
    totals = {(row["account__financial_year_id"], row["account__partner_id"]): row["total"] for row in rows}
    # The Partner model by name: the core imports no other app.
    partners = {
        partner.pk: partner
        for partner in apps.get_model("partners", "Partner").objects.filter(
            pk__in={partner_id for _, partner_id in totals}
        )
    }
    result: dict[int, dict[Any, Decimal]] = defaultdict(dict)
    for (year_id, partner_id), total in sorted(totals.items(), key=lambda item: partners[item[0][1]].name):
        if total:
            result[year_id][partners[partner_id]] = total
    return result


def pool_years(commission: Commission) -> list[PoolYear]:
    """Each year of the commission under its pool rules, from the ledger: each work-stream's budget, forecast,
    spend and variance; the year's overspend (the sum of the work-streams' overspends); and how the rules meet it.

    The named reserve is used year by year in order: what an earlier year's overspend would take from it is not
    there for a later year. Its starting point is what it has free now (its ledger balance less drawdowns approved
    but not posted). A fixed number of queries, whatever the number of years, streams or transactions.
    """
    rules, _ = pool_rules_of(commission)
    years = list(commission.years.order_by("number"))
    streams = list(commission.work_streams.filter(pooled_share__isnull=False).order_by("position", "name"))
    positions = ledger_stream_positions(commission)
    contributions = contributions_by_year(commission)
    reserve_left = ZERO
    if rules.reserve_id:
        reserve_left = max(reserve_position(rules.reserve).available, ZERO)
    result = []
    for year in years:
        lines = [(stream, positions[(year.pk, stream.pk)]) for stream in streams if (year.pk, stream.pk) in positions]
        overspend = sum((max(-position.underspend, ZERO) for _, position in lines), ZERO)
        underspends = {stream: position.underspend for stream, position in lines if position.underspend > 0}
        outcome = pool_rules.meet_overspend(
            pool_rules.OverspendCase(
                overspend=overspend,
                underspends=underspends,
                reserve_balance=reserve_left,
                reductions_limit=rules.reductions_limit,
                contributions=contributions.get(year.pk, {}),
                order=rules.overspend_order,
                cap_at_contribution=rules.cap_at_contribution,
            )
        )
        result.append(PoolYear(year, lines, contributions.get(year.pk, {}), reserve_left, outcome))
        reserve_left -= outcome.from_reserve
    return result


@dataclass(frozen=True)
class PoolYearFigures:
    """A year's money in the pool, from the ledger. Income: pledges accepted, reserve drawdowns and carry-forwards
    in, each net of reversals. `balance` = income − spend − carried out: what is left of the year's money."""

    pledged: Decimal
    drawdowns: Decimal
    carried_in: Decimal
    spend: Decimal
    carried_out: Decimal

    @property
    def income(self) -> Decimal:
        return self.pledged + self.drawdowns + self.carried_in

    @property
    def balance(self) -> Decimal:
        return self.income - self.spend - self.carried_out


def pool_year_figures(commission: Commission, years: Iterable[FinancialYear]) -> dict[int, PoolYearFigures]:
    """Income, spend and carry-forwards out of each year's pool, by year id. Two queries, whatever the years."""
    wanted = [year.pk for year in years]
    by_year: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    income = (
        Posting.objects.filter(
            account__commission=commission, account__kind=AccountKind.POOL, account__financial_year_id__in=wanted
        )
        .annotate(effective=_effective_kind())
        .filter(effective__in=[Kind.PLEDGE_ACCEPTED, Kind.RESERVE_DRAWDOWN, Kind.CARRY_FORWARD])
        .order_by()
        .values("account__financial_year_id", "effective")
        .annotate(total=Sum("amount"))
    )
    names = {Kind.PLEDGE_ACCEPTED: "pledged", Kind.RESERVE_DRAWDOWN: "drawdowns", Kind.CARRY_FORWARD: "carried_in"}
    for row in income:
        by_year[row["account__financial_year_id"]][names[row["effective"]]] -= row["total"]  # credits to the pool
    out = (
        Posting.objects.filter(
            account__commission=commission,
            account__kind__in=[AccountKind.WORK_STREAM, AccountKind.SPEND],
            account__financial_year_id__in=wanted,
        )
        .annotate(effective=_effective_kind())
        .filter(Q(account__kind=AccountKind.SPEND) | Q(effective=Kind.CARRY_FORWARD))
        .order_by()
        .values("account__financial_year_id", "account__kind")
        .annotate(total=Sum("amount"))
    )
    for row in out:
        name = "spend" if row["account__kind"] == AccountKind.SPEND else "carried_out"
        by_year[row["account__financial_year_id"]][name] += row["total"]
    return {
        year_id: PoolYearFigures(
            pledged=by_year[year_id]["pledged"],
            drawdowns=by_year[year_id]["drawdowns"],
            carried_in=by_year[year_id]["carried_in"],
            spend=by_year[year_id]["spend"],
            carried_out=by_year[year_id]["carried_out"],
        )
        for year_id in wanted
    }


@dataclass(frozen=True)
class PartnerPoolShare:
    """A partner's share of one year's pool, pro rata to its contribution to that year (largest remainder to the
    penny across the partners, so the shares of each figure sum exactly to the pool's)."""

    partner: Any
    contribution: Decimal
    percent: Decimal
    income: Decimal
    spend: Decimal
    balance: Decimal


def partner_pool_shares(commission: Commission, year: FinancialYear) -> list[PartnerPoolShare]:
    """Each contributing partner's share of `year`'s pool income, spend and balance, pro rata to its accepted
    pledges to the year (from the ledger). Empty when no partner has contributed to the year. Four queries."""
    contributions = contributions_by_year(commission).get(year.pk, {})
    return _shares(contributions, pool_year_figures(commission, [year])[year.pk])


def _shares(contributions: dict[Any, Decimal], figures: PoolYearFigures) -> list[PartnerPoolShare]:
    if not contributions:
        return []
    partners = list(contributions)
    weights = [contributions[partner] for partner in partners]
    total = sum(weights, ZERO)
    income = pool_rules.split_signed(figures.income, weights)
    spend = pool_rules.split_signed(figures.spend, weights)
    balance = pool_rules.split_signed(figures.balance, weights)
    return [
        PartnerPoolShare(
            partner=partner,
            contribution=contributions[partner],
            percent=round_half_up(contributions[partner] * 100 / total, Decimal("0.01")),
            income=income[index],
            spend=spend[index],
            balance=balance[index],
        )
        for index, partner in enumerate(partners)
    ]


@dataclass(frozen=True)
class PartnerPoolYear:
    year: FinancialYear
    figures: PoolYearFigures
    share: PartnerPoolShare | None
    risk_share: Decimal


def partner_pool_statement(commission: Commission, partner: Any) -> list[PartnerPoolYear]:
    """One partner's share of each year's pool, and of any overspend the pool rules leave to the partners, for the
    per-partner view. A fixed number of queries."""
    years = list(commission.years.order_by("number"))
    contributions = contributions_by_year(commission)
    figures = pool_year_figures(commission, years)
    risks = {pool_year.year.pk: pool_year.outcome.partner_shares for pool_year in pool_years(commission)}
    result = []
    for year in years:
        shares = _shares(contributions.get(year.pk, {}), figures[year.pk])
        share = next((row for row in shares if row.partner.pk == partner.pk), None)
        risk = next((amount for key, amount in risks[year.pk].items() if key.pk == partner.pk), ZERO)
        result.append(PartnerPoolYear(year, figures[year.pk], share, risk))
    return result


@dataclass(frozen=True)
class PoolStatementYear:
    """A year of the pool for the API: its figures, how its overspend is met, and each partner's share."""

    pool_year: PoolYear
    figures: PoolYearFigures
    partners: list[PartnerPoolShare]

    @property
    def year(self) -> FinancialYear:
        return self.pool_year.year

    @property
    def overspend(self) -> Decimal:
        return self.pool_year.overspend

    @property
    def reserve_available(self) -> Decimal:
        return self.pool_year.reserve_available

    @property
    def from_underspends(self) -> list[dict[str, Any]]:
        return [{"work_stream": s, "amount": a} for s, a in self.pool_year.outcome.from_underspends.items()]

    @property
    def from_reserve(self) -> Decimal:
        return self.pool_year.outcome.from_reserve

    @property
    def from_reductions(self) -> Decimal:
        return self.pool_year.outcome.from_reductions

    @property
    def partner_shares(self) -> list[dict[str, Any]]:
        return [{"partner": p, "amount": a} for p, a in self.pool_year.outcome.partner_shares.items()]

    @property
    def unmet(self) -> Decimal:
        return self.pool_year.outcome.unmet


@dataclass(frozen=True)
class PoolStatement:
    commission: Commission
    rules: PoolRules
    rules_set: bool
    years: list[PoolStatementYear]


def pool_statement(commission: Commission) -> PoolStatement:
    """The pool under its rules, every year, with each partner's share: a fixed number of queries."""
    rules, rules_set = pool_rules_of(commission)
    rules.commission = commission  # already read, with its host
    years = pool_years(commission)
    figures = pool_year_figures(commission, [pool_year.year for pool_year in years])
    contributions = contributions_by_year(commission)
    return PoolStatement(
        commission=commission,
        rules=rules,
        rules_set=rules_set,
        years=[
            PoolStatementYear(
                pool_year=pool_year,
                figures=figures[pool_year.year.pk],
                partners=_shares(contributions.get(pool_year.year.pk, {}), figures[pool_year.year.pk]),
            )
            for pool_year in years
        ],
    )
