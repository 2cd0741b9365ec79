"""Writes for formulas, contribution requests, year budgets, allocations and monitoring; one transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allocations import formulas
from allocations.models import (
    AllocationOverride,
    BasisDataset,
    BasisValue,
    CostCategory,
    Formula,
    FormulaParticipant,
    MonitoringReturn,
    RoundingUnit,
    WorkStreamAllocation,
    YearBudget,
)
from allocations.selectors import posted_allocations
from commissioning import history, ledger
from commissioning.models import Commission, FinancialYear, LedgerTransaction, User, WorkStream
from commissioning.money import ZERO, MoneyError, format_pounds, split, to_money
from partners.models import ContributionRequest, Partner


@dataclass(frozen=True)
class ParticipantInput:
    partner: Partner
    fixed_amount: Decimal | None = None


@dataclass(frozen=True)
class CategoryInput:
    name: str
    weight: Decimal
    source: str
    partner_kinds: tuple[str, ...]
    spread_dataset: BasisDataset | None = None


def formula_spec(formula: Formula, *, changes: dict[str, Any] | None = None) -> formulas.FormulaSpec:
    """The pure description of a saved formula, in a fixed number of queries, for `formulas.compute`.

    `changes` (a scenario's) are applied on the way: see `allocations.scenarios`.
    """
    return formula_specs([formula])[formula.pk]


def formula_specs(chosen: Iterable[Formula]) -> dict[int, formulas.FormulaSpec]:
    """The pure descriptions of several saved formulas, by id, in three queries however many there are.

    A formula's basis dataset is read from the formula itself: select it with the formulas (`basis_dataset`) to
    save a query per weighted formula.
    """
    by_id = {formula.pk: formula for formula in chosen}
    participants: dict[int, list[FormulaParticipant]] = {pk: [] for pk in by_id}
    for participant in (
        FormulaParticipant.objects.filter(formula_id__in=by_id).select_related("partner").order_by("partner__name")
    ):
        participants[participant.formula_id].append(participant)
    categories: dict[int, list[CostCategory]] = {pk: [] for pk in by_id}
    for category in (
        CostCategory.objects.filter(formula_id__in=by_id).select_related("spread_dataset").order_by("position", "name")
    ):
        categories[category.formula_id].append(category)
    dataset_ids = {formula.basis_dataset_id for formula in by_id.values()} | {
        category.spread_dataset_id for rows in categories.values() for category in rows
    }
    values: dict[int, dict[int, Decimal]] = {}
    for value in BasisValue.objects.filter(dataset_id__in=[pk for pk in dataset_ids if pk]):
        values.setdefault(value.dataset_id, {})[value.partner_id] = value.value
    return {pk: _spec_of(formula, participants[pk], categories[pk], values) for pk, formula in by_id.items()}


def _spec_of(
    formula: Formula,
    participants: list[FormulaParticipant],
    categories: list[CostCategory],
    values: dict[int, dict[int, Decimal]],
) -> formulas.FormulaSpec:
    basis_values = values.get(formula.basis_dataset_id or 0, {})
    basis = {}
    if formula.basis_dataset_id:
        dataset = formula.basis_dataset
        basis = {"name": dataset.name, "measure": dataset.measure, "source": dataset.source, "vintage": dataset.vintage}
    return formulas.FormulaSpec(
        method=formula.method,
        total=formula.total,
        unit=formula.unit,
        basis=basis,
        participants=tuple(
            formulas.Participant(
                partner_id=p.partner_id,
                name=p.partner.name,
                kind=p.partner.kind,
                fixed_amount=p.fixed_amount,
                basis_value=basis_values.get(p.partner_id),
            )
            for p in participants
        ),
        categories=tuple(
            formulas.Category(
                name=c.name,
                weight=c.weight,
                source=c.source,
                partner_kinds=tuple(c.partner_kinds),
                spread_dataset=str(c.spread_dataset) if c.spread_dataset_id else None,
                spread_values=values.get(c.spread_dataset_id, {}) if c.spread_dataset_id else None,
            )
            for c in categories
        ),
    )


def formula_compute(formula: Formula) -> formulas.FormulaResult:
    """A saved formula's yearly lines; a formula that cannot be computed raises ValidationError saying why."""
    try:
        return formulas.compute(formula_spec(formula))
    except formulas.FormulaError as error:
        raise ValidationError(str(error)) from None


def _check_total(total: Decimal | None, rounding_unit: str) -> None:
    if total is None:
        return
    unit = Decimal(rounding_unit)
    if total != total.quantize(unit):
        units = RoundingUnit(rounding_unit).label.lower()
        raise ValidationError({"total": f"{format_pounds(total, pence=True)} is not a whole number of {units}."})


@transaction.atomic
def formula_create(
    *,
    commission: Commission,
    name: str,
    method: str,
    by: User | None,
    participants: list[ParticipantInput],
    total: Decimal | None = None,
    rounding_unit: str = RoundingUnit.POUND,
    basis_dataset: BasisDataset | None = None,
    categories: list[CategoryInput] | None = None,
    note: str = "",
    supersedes: Formula | None = None,
) -> Formula:
    """A new formula (version 1, or the next version of `supersedes`) with its participants and categories.

    The formula is computed before anything is kept: one that cannot be computed is refused whole.
    """
    version = supersedes.version + 1 if supersedes else 1
    formula = Formula(
        commission=commission,
        name=supersedes.name if supersedes else name,
        version=version,
        method=method,
        total=total,
        rounding_unit=rounding_unit,
        basis_dataset=basis_dataset,
        note=note,
        supersedes=supersedes,
        created_by=by,
    )
    formula.full_clean()
    _check_total(total, rounding_unit)
    formula.save()
    member_ids = set(commission.memberships.values_list("partner_id", flat=True))
    rows = []
    for participant in participants:
        if participant.partner.pk not in member_ids:
            raise ValidationError(f"{participant.partner} is not a partner of {commission}.")
        if method == Formula.Method.FIXED and participant.fixed_amount is None:
            raise ValidationError(f"{participant.partner} needs an amount in a fixed formula.")
        row = FormulaParticipant(formula=formula, partner=participant.partner, fixed_amount=participant.fixed_amount)
        row.full_clean()
        rows.append(row)
    history.bulk_create(FormulaParticipant, rows)
    for position, category in enumerate(categories or []):
        row = CostCategory(
            formula=formula,
            name=category.name,
            weight=category.weight,
            source=category.source,
            partner_kinds=list(category.partner_kinds),
            spread_dataset=category.spread_dataset,
            position=position,
        )
        row.full_clean()
        row.save()
    formula_compute(formula)  # refuse, and roll back, a formula that cannot be computed
    return formula


@transaction.atomic
def formula_revise(
    *,
    formula: Formula,
    by: User | None,
    total: Decimal | None | object = ...,
    participants: list[ParticipantInput] | None = None,
    categories: list[CategoryInput] | None = None,
    basis_dataset: BasisDataset | None | object = ...,
    note: str | None = None,
) -> Formula:
    """The next version of a formula with the given changes; the earlier version stays as it was, for history."""
    latest = Formula.objects.select_for_update().get(pk=formula.pk)
    if hasattr(latest, "superseded_by"):
        raise ValidationError(f"{latest} has already been revised; revise version {latest.superseded_by.version}.")
    if participants is None:
        participants = [
            ParticipantInput(partner=p.partner, fixed_amount=p.fixed_amount)
            for p in latest.participants.select_related("partner")
        ]
    if categories is None:
        categories = [
            CategoryInput(c.name, c.weight, c.source, tuple(c.partner_kinds), c.spread_dataset)
            for c in latest.cost_categories.select_related("spread_dataset")
        ]
    return formula_create(
        commission=latest.commission,
        name=latest.name,
        method=latest.method,
        by=by,
        participants=participants,
        total=latest.total if total is ... else total,  # type: ignore[arg-type]
        rounding_unit=latest.rounding_unit,
        basis_dataset=latest.basis_dataset if basis_dataset is ... else basis_dataset,  # type: ignore[arg-type]
        categories=categories,
        note=latest.note if note is None else note,
        supersedes=latest,
    )


@transaction.atomic
def requests_draft(*, formula: Formula, by: User | None) -> list[ContributionRequest]:
    """Draft contribution requests from a formula: one per partner per financial year of the commission.

    Earlier drafts of the commission are replaced (drafts have been sent to no one); the lines of each
    year sum exactly to the formula's total. Each request keeps the partner's name and the provenance.
    """
    if hasattr(formula, "superseded_by"):
        raise ValidationError(f"{formula} has been superseded by version {formula.superseded_by.version}.")
    result = formula_compute(formula)
    commission = formula.commission
    ContributionRequest.objects.filter(commission=commission, status=ContributionRequest.Status.DRAFT).delete()
    years = list(commission.years.order_by("number"))
    stamp = {"formula": formula.name, "formula_id": formula.pk, "version": formula.version}
    requests = [
        ContributionRequest(
            commission=commission,
            partner_id=line.partner_id,
            partner_name=line.name,
            financial_year=year,
            formula=formula,
            amount=line.amount,
            provenance={**stamp, **line.provenance},
            created_by=by,
        )
        for year in years
        for line in result.lines
    ]
    return history.bulk_create(ContributionRequest, requests)


def _pooled_streams(commission: Commission) -> list[WorkStream]:
    return list(
        commission.work_streams.filter(pooled_share__isnull=False, valid_to__isnull=True).order_by("position", "name")
    )


@transaction.atomic
def year_budget_set(
    *,
    financial_year: FinancialYear,
    amount: Decimal,
    by: User | None,
    rounding_unit: str = RoundingUnit.POUND,
    note: str = "",
) -> list[WorkStreamAllocation]:
    """Set a year's pooled budget and split it across the pooled work-streams by their shares.

    The split is by largest remainder to the unit, so the lines sum exactly to the budget, and each line says
    whether it took a rounding unit. A line an officer has overridden keeps its override (the page shows the
    difference); every other line takes the new figure. Returns the year's allocations in work-stream order.
    """
    try:
        amount = to_money(amount)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"amount": str(error)}) from None
    if amount < 0:
        raise ValidationError({"amount": "A year's budget cannot be negative."})
    _check_total(amount, rounding_unit)
    streams = _pooled_streams(financial_year.commission)
    if not streams:
        raise ValidationError(f"{financial_year.commission} has no pooled work-streams to allocate to.")
    budget, _ = YearBudget.objects.select_for_update().get_or_create(
        financial_year=financial_year, defaults={"amount": amount, "rounding_unit": rounding_unit, "set_by": by}
    )
    budget.amount, budget.rounding_unit, budget.set_by, budget.note = amount, rounding_unit, by, note
    budget.full_clean()
    budget.save()
    result = split(amount, [stream.pooled_share for stream in streams], Decimal(rounding_unit))  # type: ignore[misc]
    existing = {
        allocation.work_stream_id: allocation
        for allocation in WorkStreamAllocation.objects.select_for_update().filter(financial_year=financial_year)
    }
    allocations = []
    for index, stream in enumerate(streams):
        allocation = existing.get(stream.pk) or WorkStreamAllocation(financial_year=financial_year, work_stream=stream)
        allocation.computed_amount = result.parts[index]
        allocation.took_rounding = index in result.rounded
        if not allocation.is_overridden:
            allocation.amount = result.parts[index]
        allocation.save()
        allocations.append(allocation)
    return allocations


@transaction.atomic
def allocation_override(
    *, allocation: WorkStreamAllocation, amount: Decimal, reason: str, by: User | None
) -> WorkStreamAllocation:
    """Replace an allocation line's amount, with a reason; the change is kept in the line's history.

    Setting the line back to its computed amount ends the override (the history keeps both changes).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the allocation differs from the formula."})
    try:
        amount = to_money(amount)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"amount": str(error)}) from None
    if amount < 0:
        raise ValidationError({"amount": "An allocation cannot be negative."})
    locked = WorkStreamAllocation.objects.select_for_update().get(pk=allocation.pk)
    if amount == locked.amount:
        raise ValidationError({"amount": f"The allocation is already {format_pounds(amount)}."})
    AllocationOverride.objects.create(
        allocation=locked, previous_amount=locked.amount, new_amount=amount, reason=reason, by=by
    )
    locked.amount = amount
    if amount == locked.computed_amount:
        locked.override_reason, locked.overridden_at, locked.overridden_by = "", None, None
    else:
        locked.override_reason, locked.overridden_at, locked.overridden_by = reason, timezone.now(), by
    locked.save()
    return locked


@transaction.atomic
def monitoring_return_record(
    *,
    financial_year: FinancialYear,
    work_stream: WorkStream,
    quarter: int,
    forecast: Decimal,
    by: User | None,
    actual: Decimal | None = None,
) -> MonitoringReturn:
    """Record one quarter's forecast outturn and actual spend for a work-stream. A quarter is recorded once."""
    if work_stream.commission_id != financial_year.commission_id:
        raise ValidationError(f"{work_stream} is not a work-stream of {financial_year.commission}.")
    recorded = MonitoringReturn.objects.filter(financial_year=financial_year, work_stream=work_stream, quarter=quarter)
    if recorded.exists():
        raise ValidationError(f"Quarter {quarter} of {financial_year} is already recorded for {work_stream}.")
    monitoring = MonitoringReturn(
        financial_year=financial_year,
        work_stream=work_stream,
        quarter=quarter,
        forecast=forecast,
        actual=actual,
        recorded_by=by,
    )
    monitoring.full_clean()
    monitoring.save()
    if not MonitoringReturn.objects.filter(
        financial_year=financial_year, work_stream=work_stream, quarter__gt=quarter
    ).exists():
        # The latest quarter's forecast is the work-stream's forecast outturn in the ledger too.
        ledger.forecast_post(
            financial_year=financial_year,
            work_stream=work_stream,
            forecast=monitoring.forecast,
            by=by,
            source=monitoring,
        )
    return monitoring


@transaction.atomic
def allocations_post_to_ledger(*, financial_year: FinancialYear, by: User | None) -> list[LedgerTransaction]:
    """Post the year's planned allocations (the split, after overrides) from its pool to the work-streams.

    Only what is not yet posted goes in, so posting twice changes nothing. The ledger refuses more than the pool
    holds, naming the figures; nothing is posted then. A plan reduced below what is already posted is refused:
    that needs the allocation reversed first, so the history shows it.
    """
    posted = {
        stream_id: amount
        for (year_id, stream_id), amount in posted_allocations(financial_year.commission).items()
        if year_id == financial_year.pk
    }
    made = []
    allocations = financial_year.allocations.select_related("work_stream").order_by("work_stream__position")
    for allocation in allocations:
        difference = allocation.amount - posted.get(allocation.work_stream_id, ZERO)
        if difference < 0:
            raise ValidationError(
                f"{allocation.work_stream} has {format_pounds(posted[allocation.work_stream_id])} allocated in the "
                f"ledger for {financial_year}, more than the plan's {format_pounds(allocation.amount)}; reverse the "
                "allocation and post it again."
            )
        if difference > 0:
            made.append(
                ledger.allocation_post(
                    financial_year=financial_year,
                    work_stream=allocation.work_stream,
                    amount=difference,
                    by=by,
                    source=allocation,
                )
            )
    return made


@transaction.atomic
def forecasts_post_to_ledger(*, financial_year: FinancialYear, by: User | None) -> list[LedgerTransaction]:
    """Bring the ledger's forecast outturn of each work-stream to its latest monitoring return for the year."""
    latest: dict[int, MonitoringReturn] = {}
    for monitoring in financial_year.monitoring_returns.select_related("work_stream").order_by("quarter"):
        latest[monitoring.work_stream_id] = monitoring
    made = []
    for monitoring in latest.values():
        posted = ledger.forecast_post(
            financial_year=financial_year,
            work_stream=monitoring.work_stream,
            forecast=monitoring.forecast,
            by=by,
            source=monitoring,
        )
        if posted is not None:
            made.append(posted)
    return made
