"""Writes for providers and contracts; each call is one database transaction, and a refusal writes nothing.

How contract figures become work-stream figures in the ledger
-------------------------------------------------------------

A contract's spend is recorded a quarter at a time (`contract_spend_record`), as two figures:

- **actual**: the money paid to the provider in that quarter (a flow, not a running total). A quarter with an actual
  above £0 posts `ledger.actual_spend_post` for exactly that amount to the contract's work-stream and year (debit the
  work-stream's spend account, credit cash), with the spend record as the transaction's source. So a work-stream's
  actual spend in a year is the sum of the actuals of every quarter of every contract under it:

      spend(work-stream, year) = Σ over its contracts c, Σ over c's quarters q of that year: actual(c, q)

- **forecast**: the contract's forecast outturn for the whole financial year, as at the end of the quarter. A
  contract's forecast for a year is the one given with its latest quarter (the highest quarter recorded, whatever
  order the quarters were typed in); a contract with no quarter recorded in a year adds nothing. The work-stream's
  forecast is the sum over its contracts:

      forecast(work-stream, year) = Σ over its contracts c with a quarter in that year: forecast(c, latest quarter)

  After each record that total is computed in the database and given to `ledger.forecast_post`, which posts the
  change from the work-stream's previous forecast (nothing when it is unchanged) with the spend record as source.

A contract's **value** for a year (`ContractValue`) is what is committed, not spent: it posts nothing. The
contracts pages set the committed total against the work-stream's budget in the ledger (`contract_selectors`).

What is refused, with the figures named: a work-stream of another commission or one that is not pooled; dates in
the wrong order or outside the commission's years; a value for a year of another commission or outside the
contract's dates; spend in a quarter outside the contract's dates (or after it ended early); negative amounts; actual
spend to date above the forecast outturn given; a quarter recorded twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning import financial_years, ledger
from commissioning.models import (
    Commission,
    Contract,
    ContractSpend,
    ContractValue,
    FinancialYear,
    Provider,
    User,
    WorkStream,
)
from commissioning.money import ZERO, MoneyError, MoneyField, format_pounds, to_money

DISTRICT_COUNCIL = "district_council"  # partners.Partner.Kind.DISTRICT_COUNCIL; the core imports no other app


def day(value: dt.date) -> str:
    """`1 January 2014`."""
    return f"{value.day} {value:%B %Y}"


def quarter_dates(financial_year: FinancialYear, quarter: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a quarter: quarter 1 of 2013/14 is 1 April to 30 June 2013."""
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": f"A quarter is 1, 2, 3 or 4, not {quarter}."})
    first_month = 4 + 3 * (quarter - 1)
    year = financial_year.start_year + (first_month - 1) // 12
    starts = dt.date(year, (first_month - 1) % 12 + 1, 1)
    ends = financial_years.ends_on(financial_year.start_year)
    if quarter < 4:
        following = dt.date(year + (first_month + 2) // 12, (first_month + 2) % 12 + 1, 1)
        ends = following - dt.timedelta(days=1)
    return starts, ends


def _amount(value: Decimal, field: str, what: str) -> Decimal:
    try:
        amount = to_money(value)
    except (MoneyError, TypeError) as error:
        raise ValidationError({field: f"{what}: {error}"}) from None
    if amount < 0:
        raise ValidationError({field: f"{what} cannot be negative; it is {format_pounds(amount, pence=True)}."})
    return amount


def _commission_period(commission: Commission) -> tuple[dt.date, dt.date]:
    last = commission.first_year + commission.number_of_years - 1
    return financial_years.starts_on(commission.first_year), financial_years.ends_on(last)


# Providers --------------------------------------------------------------------------------------------------


@transaction.atomic
def provider_create(
    *,
    name: str,
    by: User | None,
    kind: str = "",
    registered_number: str = "",
    contact_email: str = "",
    note: str = "",
) -> Provider:
    """A new provider. Names are unique, whatever their capitals, so one organisation is one provider."""
    name = " ".join(name.split())
    clash = Provider.objects.filter(name__iexact=name).first()
    if clash is not None:
        raise ValidationError({"name": f"There is already a provider called {clash.name}."})
    provider = Provider(
        name=name,
        kind=kind,
        registered_number=registered_number.strip(),
        contact_email=contact_email.strip(),
        note=note.strip(),
    )
    provider.full_clean()
    provider.save()
    return provider


@transaction.atomic
def provider_end(*, provider: Provider, on: dt.date, by: User | None) -> Provider:
    """End a provider on a day (it is kept, never deleted). Refused while any of its contracts runs after that day."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if provider.valid_to is not None:
        raise ValidationError(f"{provider} already ended on {day(provider.valid_to)}.")
    running = [
        contract
        for contract in provider.contracts.filter(status=Contract.Status.ACTIVE, ends_on__gt=on).order_by("ends_on")
    ]
    if running:
        listed = "; ".join(f"{contract} (to {day(contract.ends_on)})" for contract in running)
        raise ValidationError(
            {"on": f"{provider} has contracts that run after {day(on)}: {listed}. End those contracts first."}
        )
    provider.valid_to = on
    provider.save(update_fields=["valid_to"])
    return provider


# Contracts --------------------------------------------------------------------------------------------------


def _check_years(contract: Contract, values: Mapping[FinancialYear, Decimal]) -> dict[FinancialYear, Decimal]:
    checked = {}
    for year, value in values.items():
        if year.commission_id != contract.commission_id:
            raise ValidationError(
                {
                    "values": f"{year} is not a year of {contract.commission} "
                    f"({contract.commission.period_label}); a value for it cannot be set."
                }
            )
        if year.starts_on > contract.last_day or year.ends_on < contract.starts_on:
            raise ValidationError(
                {
                    "values": f"{contract} runs from {day(contract.starts_on)} to {day(contract.last_day)}; "
                    f"{year} ({day(year.starts_on)} to {day(year.ends_on)}) is outside it, so it can have no value."
                }
            )
        checked[year] = _amount(value, "values", f"The value for {year}")
    return checked


def _write_values(contract: Contract, values: Mapping[FinancialYear, Decimal], by: User | None) -> list[ContractValue]:
    existing = {
        row.financial_year_id: row for row in ContractValue.objects.select_for_update().filter(contract=contract)
    }
    written = []
    for year, value in values.items():
        row = existing.get(year.pk) or ContractValue(contract=contract, financial_year=year)
        row.value, row.set_by = value, by
        row.save()
        written.append(row)
    return written


@transaction.atomic
def contract_create(
    *,
    commission: Commission,
    provider: Provider,
    work_stream: WorkStream,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    by: User | None,
    districts: Iterable[Any] = (),
    reference: str = "",
    note: str = "",
    values: Mapping[FinancialYear, Decimal] | None = None,
) -> Contract:
    """A contract under one of the commission's pooled work-streams, serving district councils, with its value for
    any of its years. Returns the contract with its values written."""
    if work_stream.commission_id != commission.pk:
        raise ValidationError({"work_stream": f"{work_stream} is not a work-stream of {commission}."})
    if not work_stream.is_pooled:
        raise ValidationError({"work_stream": f"{work_stream} is not pooled: the pool pays no contract under it."})
    if ends_on < starts_on:
        raise ValidationError(
            {"ends_on": f"A contract cannot end ({day(ends_on)}) before it starts ({day(starts_on)})."}
        )
    first, last = _commission_period(commission)
    if starts_on < first or ends_on > last:
        raise ValidationError(
            {
                "starts_on": f"{commission} runs from {day(first)} to {day(last)}; a contract from {day(starts_on)} "
                f"to {day(ends_on)} falls outside it."
            }
        )
    if work_stream.valid_to is not None and work_stream.valid_to < ends_on:
        raise ValidationError(
            {"work_stream": f"{work_stream} ends on {day(work_stream.valid_to)}, before the contract ({day(ends_on)})."}
        )
    if provider.valid_to is not None and provider.valid_to < ends_on:
        raise ValidationError(
            {
                "provider": f"{provider} ended on {day(provider.valid_to)}, "
                f"before the contract would end ({day(ends_on)})."
            }
        )
    districts = list(districts)
    not_districts = [partner for partner in districts if partner.kind != DISTRICT_COUNCIL]
    if not_districts:
        names = ", ".join(f"{partner} ({partner.get_kind_display().lower()})" for partner in not_districts)
        raise ValidationError({"districts": f"A contract serves district councils; these are not: {names}."})
    reference = reference.strip()
    if reference and Contract.objects.filter(commission=commission, reference__iexact=reference).exists():
        raise ValidationError({"reference": f"{commission} already has a contract with the reference {reference}."})
    contract = Contract(
        commission=commission,
        provider=provider,
        work_stream=work_stream,
        reference=reference,
        title=" ".join(title.split()),
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip(),
        created_by=by,
    )
    contract.full_clean()
    contract.save()
    contract.districts.set(districts)
    _write_values(contract, _check_years(contract, values or {}), by)
    return contract


@transaction.atomic
def contract_values_set(
    *, contract: Contract, values: Mapping[FinancialYear, Decimal], by: User | None
) -> list[ContractValue]:
    """Set the contract's value for the years given (others are left as they are); £0 is a value, not a removal.
    Returns the rows written."""
    contract = Contract.objects.select_for_update().select_related("commission").get(pk=contract.pk)
    if not values:
        raise ValidationError({"values": "Give a value for at least one year."})
    return _write_values(contract, _check_years(contract, values), by)


@transaction.atomic
def contract_end(*, contract: Contract, ended_on: dt.date, reason: str, by: User | None) -> Contract:
    """End an active contract early: service stops after `ended_on`. Refused while it has a value or spend in a year
    or quarter that starts after that day (set the value to what is still owed first)."""
    contract = Contract.objects.select_for_update().select_related("commission").get(pk=contract.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the contract ends early."})
    if contract.status != Contract.Status.ACTIVE:
        raise ValidationError(f"{contract} has already ended, on {day(contract.last_day)}.")
    if not contract.starts_on <= ended_on <= contract.ends_on:
        raise ValidationError(
            {
                "ended_on": f"{contract} runs from {day(contract.starts_on)} to {day(contract.ends_on)}; it cannot "
                f"end early on {day(ended_on)}."
            }
        )
    later_values = [
        row
        for row in contract.values.select_related("financial_year").filter(value__gt=0)
        if row.financial_year.starts_on > ended_on
    ]
    if later_values:
        listed = ", ".join(f"{format_pounds(row.value)} for {row.financial_year}" for row in later_values)
        raise ValidationError(
            {"ended_on": f"{contract} has a value after {day(ended_on)} ({listed}); set it to £0 first."}
        )
    later_spend = [
        row
        for row in contract.spend.select_related("financial_year")
        if quarter_dates(row.financial_year, row.quarter)[0] > ended_on
    ]
    if later_spend:
        listed = ", ".join(f"{row.financial_year} quarter {row.quarter}" for row in later_spend)
        raise ValidationError({"ended_on": f"{contract} has spend recorded after {day(ended_on)}: {listed}."})
    contract.status = Contract.Status.ENDED
    contract.ended_on, contract.ended_at, contract.ended_by, contract.end_reason = ended_on, timezone.now(), by, reason
    contract.full_clean()
    contract.save(update_fields=["status", "ended_on", "ended_at", "ended_by", "end_reason"])
    return contract


# Spend ------------------------------------------------------------------------------------------------------


def latest_contract_forecasts(financial_year: FinancialYear) -> QuerySet[ContractSpend]:
    """Spend records of the year that are their contract's latest quarter in it (a queryset, for the sums)."""
    later = ContractSpend.objects.filter(
        contract=OuterRef("contract"), financial_year=OuterRef("financial_year"), quarter__gt=OuterRef("quarter")
    )
    return ContractSpend.objects.filter(financial_year=financial_year).filter(~Exists(later))


def work_stream_forecast_from_contracts(financial_year: FinancialYear, work_stream: WorkStream) -> Decimal:
    """Σ over the work-stream's contracts of each one's forecast at its latest quarter of the year; one query."""
    latest = latest_contract_forecasts(financial_year).filter(contract__work_stream=work_stream)
    total: Decimal = latest.aggregate(total=Coalesce(Sum("forecast"), ZERO, output_field=MoneyField()))["total"]
    return total


@transaction.atomic
def contract_spend_record(
    *,
    contract: Contract,
    financial_year: FinancialYear,
    quarter: int,
    forecast: Decimal,
    by: User | None,
    actual: Decimal | None = None,
) -> ContractSpend:
    """Record one quarter of a contract and post it to the ledger (see the module's docstring for how it rolls up):
    the actual as spend of the work-stream, and the work-stream's new forecast outturn. A quarter is recorded once.
    Returns the record; its ledger transactions name it as their source."""
    contract = (
        Contract.objects.select_for_update().select_related("commission", "work_stream", "provider").get(pk=contract.pk)
    )
    # One recording at a time per work-stream, so the forecast sum below counts every contract's latest record.
    work_stream = WorkStream.objects.select_for_update().get(pk=contract.work_stream_id)
    if financial_year.commission_id != contract.commission_id:
        raise ValidationError(
            {"financial_year": f"{financial_year} is not a year of {contract.commission}, the contract's commission."}
        )
    starts, ends = quarter_dates(financial_year, quarter)
    if ends < contract.starts_on or starts > contract.last_day:
        raise ValidationError(
            {
                "quarter": f"Quarter {quarter} of {financial_year} ({day(starts)} to {day(ends)}) is outside "
                f"{contract}, which runs from {day(contract.starts_on)} to {day(contract.last_day)}."
            }
        )
    forecast = _amount(forecast, "forecast", "The forecast")
    actual = None if actual is None else _amount(actual, "actual", "The actual spend")
    if ContractSpend.objects.filter(contract=contract, financial_year=financial_year, quarter=quarter).exists():
        raise ValidationError({"quarter": f"Quarter {quarter} of {financial_year} is already recorded for {contract}."})
    earlier = ContractSpend.objects.filter(
        contract=contract, financial_year=financial_year, quarter__lt=quarter
    ).aggregate(total=Coalesce(Sum("actual"), ZERO, output_field=MoneyField()))["total"]
    to_date = earlier + (actual or ZERO)
    if to_date > forecast:
        raise ValidationError(
            {
                "forecast": f"Actual spend on {contract} in {financial_year} to the end of quarter {quarter} is "
                f"{format_pounds(to_date, pence=True)} ({format_pounds(earlier, pence=True)} before and "
                f"{format_pounds(actual or ZERO, pence=True)} in the quarter), more than the forecast outturn of "
                f"{format_pounds(forecast, pence=True)}."
            }
        )
    record = ContractSpend(
        contract=contract,
        financial_year=financial_year,
        quarter=quarter,
        forecast=forecast,
        actual=actual,
        recorded_by=by,
    )
    record.full_clean()
    record.save()
    posted_on = min(ends, timezone.localdate())
    if actual:
        ledger.actual_spend_post(
            financial_year=financial_year,
            work_stream=work_stream,
            amount=actual,
            by=by,
            narrative=f"Spend under {contract} ({contract.provider}), {financial_year} quarter {quarter}: "
            f"{format_pounds(actual, pence=True)}",
            source=record,
            date=posted_on,
        )
    ledger.forecast_post(
        financial_year=financial_year,
        work_stream=work_stream,
        forecast=work_stream_forecast_from_contracts(financial_year, work_stream),
        by=by,
        source=record,
        date=posted_on,
    )
    return record
