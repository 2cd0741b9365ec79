"""Writes to the core that cross models; each call is one database transaction."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning import financial_years, history
from commissioning.models import Commission, Contract, FinancialYear, User, WorkStream, validate_pooled_shares


def _acting(by: User | None) -> AbstractContextManager[None]:
    """Attribute the changes to `by` when the caller names someone; otherwise leave it to the request (history.py)."""
    return history.acting_as(by) if by is not None else nullcontext()


def _day(value: dt.date) -> str:
    """`1 April 2013`."""
    return f"{value.day} {value:%B %Y}"


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
    by: User | None = None,
) -> Commission:
    """A validated commission with all its financial years. Names are unique whatever their capitals."""
    name = " ".join(name.split())
    clash = Commission.objects.filter(name__iexact=name).first()
    if clash is not None:
        raise ValidationError({"name": f"There is already a commission called {clash.name}."})
    commission = Commission(
        name=name,
        host_id=host_id,
        target=target,
        first_year=first_year,
        number_of_years=number_of_years,
        status=status,
    )
    commission.full_clean()
    with _acting(by):
        commission.save()
        financial_years_sync(commission=commission)
    return commission


@transaction.atomic
def work_stream_shares_set(
    *, commission: Commission, shares: dict[int, Decimal | None], by: User | None = None
) -> list[WorkStream]:
    """Set the pooled shares of several work-streams at once (keyed by work-stream id), attributed to `by`.

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
    with _acting(by):
        history.bulk_update(WorkStream, [by_id[stream_id] for stream_id in shares], ["pooled_share"])
    return sorted(streams, key=lambda stream: (stream.position, stream.name))


# Setting up a commission from its pages ----------------------------------------------------------------------


def _years_in_use(commission: Commission) -> list[str]:
    """What hangs on the commission's financial years (allocations, postings, contract values …), by name."""
    years = commission.years.all()
    used = []
    for relation in FinancialYear._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and relation.is_relation and not relation.concrete):
            continue
        model = relation.related_model
        if model._meta.model_name.startswith("historical"):
            continue  # the audit trail's copies are not uses
        if model._default_manager.filter(**{f"{relation.field.name}__in": years}).exists():
            used.append(str(model._meta.verbose_name_plural))
    return sorted(set(used))


@transaction.atomic
def commission_change(
    *,
    commission: Commission,
    name: str,
    target: Decimal,
    status: str,
    first_year: int,
    number_of_years: int,
    by: User | None,
) -> Commission:
    """Change a commission's name, target, status and, while nothing depends on them, its years.

    The period can change only before any contribution request exists and while no record hangs on a year; then
    the years are made afresh. Otherwise the change is refused, saying why, and nothing is written.
    """
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    name = " ".join(name.split())
    clash = Commission.objects.filter(name__iexact=name).exclude(pk=commission.pk).first()
    if clash is not None:
        raise ValidationError({"name": f"There is already a commission called {clash.name}."})
    years_change = (first_year, number_of_years) != (commission.first_year, commission.number_of_years)
    if years_change:
        requests = commission.contribution_requests.count()  # type: ignore[attr-defined]
        if requests:
            raise ValidationError(
                {
                    "first_year": f"The years cannot change: {requests} contribution request"
                    f"{'s are' if requests != 1 else ' is'} already made for {commission.period_label}, and each "
                    "hangs on its year. Start a new commission for a different period."
                }
            )
        used = _years_in_use(commission)
        if used:
            raise ValidationError(
                {
                    "first_year": f"The years cannot change: records already hang on them ({', '.join(used)} in "
                    f"{commission.period_label}). Start a new commission for a different period."
                }
            )
    commission.name, commission.target, commission.status = name, target, status
    commission.first_year, commission.number_of_years = first_year, number_of_years
    commission.full_clean()
    with _acting(by):
        commission.save()
        if years_change:
            # Nothing hangs on the years (checked above), so the old ones go, with their deletion in the history.
            for year in commission.years.all():
                year.delete()
            financial_years_sync(commission=commission)
    return commission


def _work_stream_name(commission: Commission, name: str, *, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    clash = commission.work_streams.filter(name__iexact=name).exclude(pk=exclude).first()
    if clash is not None:
        raise ValidationError({"name": f"{commission} already has a work-stream called {clash.name}."})
    return name


@transaction.atomic
def work_stream_create(
    *,
    commission: Commission,
    name: str,
    by: User | None,
    description: str = "",
    outcomes: str = "",
    position: int | None = None,
) -> WorkStream:
    """A new work-stream, not pooled: its share is set with the others' (`work_stream_shares_set`), so the shares
    always sum to 100%. Without a position it goes last."""
    name = _work_stream_name(commission, name)
    if position is None:
        last = commission.work_streams.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    stream = WorkStream(
        commission=commission, name=name, description=description.strip(), outcomes=outcomes.strip(), position=position
    )
    stream.full_clean()
    with _acting(by):
        stream.save()
    return stream


@transaction.atomic
def work_stream_change(
    *,
    work_stream: WorkStream,
    name: str,
    by: User | None,
    description: str = "",
    outcomes: str = "",
    position: int | None = None,
) -> WorkStream:
    """Change a work-stream's name, description, outcomes and order. Its share changes with the others'."""
    stream = WorkStream.objects.select_for_update().select_related("commission").get(pk=work_stream.pk)
    stream.name = _work_stream_name(stream.commission, name, exclude=stream.pk)
    stream.description, stream.outcomes = description.strip(), outcomes.strip()
    if position is not None:
        stream.position = position
    stream.full_clean()
    with _acting(by):
        stream.save()
    return stream


@transaction.atomic
def work_stream_end(*, work_stream: WorkStream, on: dt.date, by: User | None) -> WorkStream:
    """End a work-stream on a day; it is kept, never deleted. Refused for a pooled one (its share must first go to
    the others, so the shares still sum to 100%) and while any of its contracts runs after that day."""
    stream = WorkStream.objects.select_for_update().get(pk=work_stream.pk)
    if stream.valid_to is not None:
        raise ValidationError(f"{stream} already ended on {_day(stream.valid_to)}.")
    if stream.pooled_share is not None:
        raise ValidationError(
            {
                "on": f"{stream} takes {stream.pooled_share.normalize():f}% of the pool. Set it as not pooled on the "
                "pooled shares page, giving its share to the others, before ending it."
            }
        )
    running = list(stream.contracts.filter(status=Contract.Status.ACTIVE, ends_on__gt=on).order_by("ends_on"))
    if running:
        listed = "; ".join(f"{contract} (to {_day(contract.ends_on)})" for contract in running)
        raise ValidationError(
            {"on": f"{stream} has contracts that run after {_day(on)}: {listed}. End those contracts first."}
        )
    stream.valid_to = on
    with _acting(by):
        stream.save(update_fields=["valid_to"])
    return stream
