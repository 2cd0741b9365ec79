"""`{% load report_charts %}`: the charts of `reports.charts`, fed from the figures a page or PDF already has.

Each tag turns objects the view has loaded (the fund statement, a year of it, the returns dashboard) into the
plain labels and amounts the charts take, so a chart costs no query. The markup is safe to insert: the chart
module escapes every label as it builds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import template
from django.utils.safestring import SafeString, mark_safe

from commissioning.funding_selectors import ReservePosition
from commissioning.money import ZERO
from commissioning.statement import FundStatement, YearStatement
from partners.models import RequestLetter
from partners.selectors import ReturnsDashboard
from reports import charts

register = template.Library()

PLEDGES = "Partners' pledges"
DRAWDOWNS = "Reserve drawdowns"
CARRIED_IN = "Carried forward from earlier years"


def funding_sources(fund: FundStatement) -> list[tuple[str, list[tuple[str, Decimal]]]]:
    """Each year's secured funding by the statement's sources: partners' pledges always, reserve drawdowns and
    carry-forwards in when any year has them (so every year shows the same sources)."""
    return _sources(fund.years)


def _sources(statements: Sequence[YearStatement]) -> list[tuple[str, list[tuple[str, Decimal]]]]:
    with_drawdowns = any(year.drawn for year in statements)
    with_carried_in = any(year.carried_in_total for year in statements)
    years = []
    for year in statements:
        sources = [(PLEDGES, year.pledged)]
        if with_drawdowns:
            sources.append((DRAWDOWNS, year.drawn))
        if with_carried_in:
            sources.append((CARRIED_IN, year.carried_in_total))
        years.append((year.year.label, sources))
    return years


def _drawn(svg: str) -> SafeString:
    """A chart from reports.charts, marked safe: it was built with ElementTree, which escaped every label and
    attribute value (a partner called `<script>` is drawn as those characters; tests/test_charts.py)."""
    return mark_safe(svg)  # nosec B308 B703  # the markup is ElementTree's, every text and attribute escaped


@register.simple_tag
def funding_by_source_chart(fund: FundStatement) -> SafeString:
    return _drawn(charts.funding_by_source_chart(funding_sources(fund)))


@register.simple_tag
def year_funding_chart(year: YearStatement) -> SafeString:
    """The funding-by-source chart of one year: a report for that year or a quarter of it."""
    return _drawn(charts.funding_by_source_chart(_sources([year])))


@register.simple_tag
def allocation_chart(year: YearStatement, chart_id: str = charts.ALLOCATION_CHART_ID) -> SafeString:
    streams = [(line.work_stream.name, line.allocated) for line in year.streams]
    return _drawn(charts.allocation_chart(year.year.label, streams, chart_id=chart_id))


@register.simple_tag
def fund_position(fund: FundStatement) -> charts.SecuredPosition:
    """All years' secured and provisional funding (the statement's) against the commission's target."""
    return charts.SecuredPosition(
        secured=sum((year.position.secured for year in fund.years), ZERO),
        provisional=sum((year.position.provisional for year in fund.years), ZERO),
        target=fund.commission.target,
    )


@register.simple_tag
def returns_position(dashboard: ReturnsDashboard) -> charts.SecuredPosition:
    """The returns dashboard's secured total, and as provisional what the returns waiting for review agree to pay
    (provisional until an officer accepts them), against the commission's target."""
    waiting = sum(
        (
            row.offered
            for row in dashboard.rows
            if row.letter.status == RequestLetter.Status.RETURNED and row.offered is not None and not row.declined
        ),
        ZERO,
    )
    return charts.SecuredPosition(secured=dashboard.secured, provisional=waiting, target=dashboard.target)


@register.simple_tag
def secured_chart(position: charts.SecuredPosition, provisional_label: str = "Provisional") -> SafeString:
    return _drawn(charts.secured_vs_target_chart(position, provisional_label=provisional_label))


# The dashboard's charts ----------------------------------------------------------------------------------------


def position_figures(year: YearStatement) -> list[tuple[str, Decimal]]:
    """A year's funding position as the statement has it: the plan and the shortfall (or surplus) only where the
    year has a plan."""
    position = year.position
    figures = []
    if position.plan is not None:
        figures.append(("Plan", position.plan))
    figures += [("Requested", position.requested), ("Secured", position.secured), ("Provisional", position.provisional)]
    if position.surplus is not None:
        figures.append(("Surplus", position.surplus))
    elif position.shortfall is not None:
        figures.append(("Shortfall", position.shortfall))
    return figures


@register.simple_tag
def funding_position_chart(fund: FundStatement) -> SafeString:
    years = [(year.year.label, position_figures(year)) for year in fund.years]
    return _drawn(charts.funding_position_chart(years))


def outturn_figures(year: YearStatement) -> list[tuple[str, list[tuple[str, Decimal]]]]:
    return [
        (
            line.work_stream.name,
            [("Allocated", line.allocated), ("Forecast", line.forecast), ("Actual spend", line.actual)],
        )
        for line in year.streams
    ]


@register.simple_tag
def stream_outturn_chart(year: YearStatement) -> SafeString:
    """One year's work-streams: allocation, forecast and actual spend (an id per year, for several on a page)."""
    chart_id = f"{charts.OUTTURN_CHART_ID}-{year.year.start_year}"
    return _drawn(charts.stream_outturn_chart(year.year.label, outturn_figures(year), chart_id=chart_id))


@register.simple_tag
def arrears_chart(fund: FundStatement) -> SafeString:
    return _drawn(charts.arrears_chart([(partner.name, partner.outstanding) for partner in fund.arrears]))


RESERVE_FIGURES = (
    ("Opening balance", "opening_balance"),
    ("Drawn into the pool", "drawn"),
    ("Balance in the ledger", "holds"),
    ("Approved, not yet drawn", "approved_not_posted"),
    ("Available to commit", "available"),
)


def reserve_figures(position: ReservePosition) -> list[tuple[str, Decimal]]:
    values = {
        "opening_balance": position.reserve.opening_balance,
        "drawn": position.drawn,
        "holds": position.holds,
        "approved_not_posted": position.approved_not_posted,
        "available": position.available,
    }
    return [(label, values[key]) for label, key in RESERVE_FIGURES]


@register.simple_tag
def reserves_chart(reserves: Sequence[ReservePosition]) -> SafeString:
    groups = [(position.reserve.name, reserve_figures(position)) for position in reserves]
    return _drawn(charts.reserves_chart(groups))
