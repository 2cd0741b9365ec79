"""Writes to the core that cross models; each call is one database transaction."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning import financial_years, history
from commissioning.models import Commission, FinancialYear, WorkStream, validate_pooled_shares


@transaction.atomic
def financial_years_sync(*, commission: Commission) -> list[FinancialYear]:
    """Make the commission's financial years match its first year and number of years.

    Missing years are created; a year that already exists outside the period is refused rather than
    deleted, because later records (requests, allocations, postings) hang on years.
    Returns the years in order.
    """
    wanted = {number: commission.first_year + number - 1 for number in range(1, commission.number_of_years + 1)}
    existing = {year.number: year for year in FinancialYear.objects.select_for_update().filter(commission=commission)}
    for number, year in existing.items():
        if wanted.get(number) != year.start_year:
            raise ValidationError(
                f"{commission} already has year {number} as {year.label}; it cannot become "
                + (financial_years.label(wanted[number]) if number in wanted else "no year")
                + ". Start a new commission for a different period."
            )
    history.bulk_create(
        FinancialYear,
        (
            FinancialYear(commission=commission, number=number, start_year=start_year)
            for number, start_year in wanted.items()
            if number not in existing
        ),
    )
    return list(commission.years.order_by("number"))


@transaction.atomic
def commission_create(
    *,
    name: str,
    host_id: int,
    target: Decimal,
    first_year: int,
    number_of_years: int,
    status: str = Commission.Status.DRAFT,
) -> Commission:
    """A validated commission with all its financial years."""
    commission = Commission(
        name=name,
        host_id=host_id,
        target=target,
        first_year=first_year,
        number_of_years=number_of_years,
        status=status,
    )
    commission.full_clean()
    commission.save()
    financial_years_sync(commission=commission)
    return commission


@transaction.atomic
def work_stream_shares_set(*, commission: Commission, shares: dict[int, Decimal | None]) -> list[WorkStream]:
    """Set the pooled shares of several work-streams at once (keyed by work-stream id).

    The commission's pooled shares must then sum to exactly 100%; otherwise nothing is written and
    the ValidationError names the sum. `None` makes a work-stream not pooled.
    """
    streams = list(WorkStream.objects.select_for_update().filter(commission=commission))
    by_id = {stream.pk: stream for stream in streams}
    unknown = set(shares) - set(by_id)
    if unknown:
        raise ValidationError(f"Work-streams {sorted(unknown)} are not part of {commission}.")
    for stream_id, share in shares.items():
        by_id[stream_id].pooled_share = share
    validate_pooled_shares(stream.pooled_share for stream in streams if stream.valid_to is None)
    for stream in streams:
        stream.full_clean()
    history.bulk_update(WorkStream, [by_id[stream_id] for stream_id in shares], ["pooled_share"])
    return sorted(streams, key=lambda stream: (stream.position, stream.name))
