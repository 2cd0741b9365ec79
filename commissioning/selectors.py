"""Read queries for commissions, aggregated in the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from commissioning.models import Commission, FinancialYear, Reserve, WorkStream
from commissioning.money import ZERO, MoneyField


def commission_list() -> QuerySet[Commission]:
    """Every commission with its host and the counts the home page shows, in one query."""
    return (
        Commission.objects.select_related("host")
        .annotate(
            partner_count=Count("memberships__partner", distinct=True),
            work_stream_count=Count("work_streams", distinct=True),
        )
        .order_by("name")
    )


@dataclass(frozen=True)
class CommissionOverview:
    """A commission with its years, partners, work-streams and reserves, and the totals computed from them."""

    commission: Commission
    years: list[FinancialYear]
    memberships: list  # list[partners.models.Membership]; the core names no other app
    work_streams: list[WorkStream]
    reserves: list[Reserve]
    requested_per_year_total: Decimal
    pooled_share_total: Decimal
    reserves_total: Decimal


def commission_overview(commission: Commission) -> CommissionOverview:
    """Everything the commission page shows, in a fixed number of queries whatever the size."""
    memberships = list(commission.memberships.select_related("partner").order_by("partner__name", "joined_on"))
    work_streams = list(commission.work_streams.order_by("position", "name"))
    reserves = list(commission.reserves.order_by("name"))
    totals = commission.memberships.aggregate(
        requested=Coalesce(Sum("requested_per_year"), ZERO, output_field=MoneyField())
    )
    return CommissionOverview(
        commission=commission,
        years=list(commission.years.order_by("number")),
        memberships=memberships,
        work_streams=work_streams,
        reserves=reserves,
        requested_per_year_total=totals["requested"],
        pooled_share_total=sum((ws.pooled_share for ws in work_streams if ws.is_pooled), Decimal("0")),
        reserves_total=sum((reserve.opening_balance for reserve in reserves), ZERO),
    )


def commissions_with_partner(partner_id: int) -> QuerySet[Commission]:
    return Commission.objects.filter(memberships__partner_id=partner_id).distinct().order_by("name")
