"""Reads for scenarios: the live plan and a scenario side by side, and two scenarios compared.

Each read costs a fixed number of queries whatever the number of partners, and writes nothing: a scenario is
computed from the formula and its changes every time it is shown (`allocations.scenarios`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from allocations import formulas, scenarios
from allocations.models import Formula, Scenario, WorkStreamAllocation
from allocations.services import formula_spec, formula_specs
from commissioning.models import Commission, FinancialYear, Reserve, WorkStream
from commissioning.money import ZERO


def scenario_list(commission: Commission) -> QuerySet[Scenario]:
    """The commission's scenarios, newest first, with what the list shows, in one query."""
    return (
        Scenario.objects.filter(commission=commission)
        .select_related("formula", "created_by", "adopted_by", "adopted_formula")
        .order_by("-created_at", "-pk")
    )


def scenario_list_all() -> QuerySet[Scenario]:
    """Every commission's scenarios, newest first, with their commission and formula (and its basis dataset), in
    one query: what `scenario_readings` needs besides the figures it reads itself."""
    return Scenario.objects.select_related(
        "commission", "formula__basis_dataset", "created_by", "adopted_by", "adopted_formula"
    ).order_by("-created_at", "-pk")


def scenario_formulas(commission: Commission) -> list[Formula]:
    """The formulas a scenario can be based on: the current version of each (one not yet revised)."""
    return list(
        Formula.objects.filter(commission=commission, superseded_by__isnull=True)
        .select_related("basis_dataset")
        .order_by("name")
    )


def formula_is_current(formula: Formula) -> bool:
    """Whether no later version of the formula exists (asked of the database, not of a cached relation)."""
    return not Formula.objects.filter(supersedes=formula).exists()


def plan_context(commission: Commission) -> scenarios.PlanContext:
    """The commission's target, years with their allocations, reserves and pooled work-streams, in four queries.

    Reserves are taken at their opening balance: the ledger that will record drawdowns is not built yet.
    """
    return plan_contexts([commission])[commission.pk]


def plan_contexts(commissions: Iterable[Commission]) -> dict[int, scenarios.PlanContext]:
    """`plan_context` for several commissions, by id, in four queries however many there are."""
    by_id = {commission.pk: commission for commission in commissions}
    years: dict[int, list[FinancialYear]] = {pk: [] for pk in by_id}
    for year in FinancialYear.objects.filter(commission_id__in=by_id).order_by("number"):
        years[year.commission_id].append(year)
    streams: dict[int, list[WorkStream]] = {pk: [] for pk in by_id}
    for stream in WorkStream.objects.filter(
        commission_id__in=by_id, pooled_share__isnull=False, valid_to__isnull=True
    ).order_by("position", "name"):
        streams[stream.commission_id].append(stream)
    allocations: dict[int, dict[int, Decimal]] = {}
    for allocation in WorkStreamAllocation.objects.filter(financial_year__commission_id__in=by_id):
        allocations.setdefault(allocation.financial_year_id, {})[allocation.work_stream_id] = allocation.amount
    reserves: dict[int, list[Reserve]] = {pk: [] for pk in by_id}
    for reserve in Reserve.objects.filter(commission_id__in=by_id).order_by("name"):
        reserves[reserve.commission_id].append(reserve)
    return {
        pk: scenarios.PlanContext(
            commission_target=commission.target,
            years=tuple(scenarios.YearInfo(year.number, year.label, allocations.get(year.pk)) for year in years[pk]),
            reserves=tuple(scenarios.ReserveInfo(reserve.name, reserve.opening_balance) for reserve in reserves[pk]),
            work_streams=tuple(
                scenarios.WorkStreamInfo(stream.pk, stream.name, stream.pooled_share)  # type: ignore[arg-type]
                for stream in streams[pk]
            ),
        )
        for pk, commission in by_id.items()
    }


def _formula_words(formula: Formula) -> str:
    return f"the formula '{formula.name}' (version {formula.version})"


def scenario_changes_parse(
    *, formula: Formula, changes: Any, spec: formulas.FormulaSpec | None = None
) -> scenarios.Changes:
    """Check raw changes against a formula; raises ValidationError with one message per problem."""
    spec = spec or formula_spec(formula)
    try:
        return scenarios.parse_changes(changes, spec, formula_words=_formula_words(formula))
    except scenarios.ChangesError as error:
        raise ValidationError(error.messages) from None


def scenario_preview(
    *,
    formula: Formula,
    changes: Any,
    spec: formulas.FormulaSpec | None = None,
    context: scenarios.PlanContext | None = None,
) -> scenarios.ScenarioResult:
    """A scenario computed without saving it: the live plan beside the changed one, the shortfall, the ways to close
    it. Writes nothing. Raises ValidationError keyed `changes` when the changes are bad, and `formula` when the live
    formula cannot be computed."""
    spec = spec or formula_spec(formula)
    try:
        parsed = scenario_changes_parse(formula=formula, changes=changes, spec=spec)
    except ValidationError as error:
        raise ValidationError({"changes": error.messages}) from None
    context = context or plan_context(formula.commission)
    try:
        return scenarios.compute(spec, parsed, context)
    except formulas.FormulaError as error:
        raise ValidationError({"formula": f"The live formula cannot be computed: {error}"}) from None
    except scenarios.ChangesError as error:
        raise ValidationError({"changes": error.messages}) from None


def scenario_result(scenario: Scenario, *, context: scenarios.PlanContext | None = None) -> scenarios.ScenarioResult:
    """A saved scenario beside its formula's live plan, recomputed from the formula and the changes as they are now.

    Raises ValidationError when the changes no longer apply (say, the formula's data was edited since)."""
    return scenario_preview(formula=scenario.formula, changes=scenario.changes, context=context)


@dataclass(frozen=True)
class ScenarioReading:
    """A saved scenario with its figures as they are now, or, when they cannot be computed, the reason."""

    scenario: Scenario
    result: scenarios.ScenarioResult | None
    problem: str
    formula_is_current: bool  # False: the formula has been revised since, so its "live plan" is no longer in force


def scenario_readings(chosen: Sequence[Scenario]) -> list[ScenarioReading]:
    """Each scenario recomputed from its formula and changes, in order, in at most eight queries however many
    scenarios, partners and formulas there are (take the scenarios from `scenario_list_all`, which selects their
    commission and formula). A scenario whose changes no longer apply gets no result and says why; nothing is
    written."""
    specs = formula_specs(scenario.formula for scenario in chosen)
    contexts = plan_contexts(scenario.commission for scenario in chosen)
    formula_ids = {scenario.formula_id for scenario in chosen}
    revised = set(
        Formula.objects.filter(supersedes_id__in=formula_ids).order_by().values_list("supersedes_id", flat=True)
    )
    readings = []
    for scenario in chosen:
        result, problem = None, ""
        try:
            result = scenario_preview(
                formula=scenario.formula,
                changes=scenario.changes,
                spec=specs[scenario.formula_id],
                context=contexts[scenario.commission_id],
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
        readings.append(ScenarioReading(scenario, result, problem, scenario.formula_id not in revised))
    return readings


@dataclass(frozen=True)
class ComparisonLine:
    partner_id: int
    name: str
    a: Decimal | None  # None: the partner is not in scenario A's formula
    b: Decimal | None

    @property
    def difference(self) -> Decimal:
        """B − A; a partner missing from one side counts as asked for nothing there."""
        return (self.b or ZERO) - (self.a or ZERO)


@dataclass(frozen=True)
class Comparison:
    a: Scenario
    b: Scenario
    result_a: scenarios.ScenarioResult
    result_b: scenarios.ScenarioResult
    lines: tuple[ComparisonLine, ...]

    @property
    def total_difference(self) -> Decimal:
        return self.result_b.scenario_total - self.result_a.scenario_total

    @property
    def shortfall_difference(self) -> Decimal:
        return self.result_b.shortfall.value - self.result_a.shortfall.value


def scenario_compare(a: Scenario, b: Scenario) -> Comparison:
    """Two scenarios of the same commission side by side: each partner's request in A and in B, and the totals,
    targets and shortfalls of each. The commission's context is read once. Refuses scenarios of two commissions."""
    if a.commission_id != b.commission_id:
        raise ValidationError("Only scenarios of the same commission can be compared.")
    if a.pk == b.pk:
        raise ValidationError("Choose two different scenarios to compare.")
    context = plan_context(a.commission)
    result_a = scenario_result(a, context=context)
    result_b = scenario_result(b, context=context)
    amounts_a = {line.partner_id: line for line in result_a.lines}
    amounts_b = {line.partner_id: line for line in result_b.lines}
    names = {pk: line.name for pk, line in {**amounts_b, **amounts_a}.items()}
    lines = tuple(
        ComparisonLine(
            partner_id=pk,
            name=names[pk],
            a=amounts_a[pk].scenario if pk in amounts_a else None,
            b=amounts_b[pk].scenario if pk in amounts_b else None,
        )
        for pk in sorted(names, key=lambda pk: (names[pk], pk))
    )
    return Comparison(a=a, b=b, result_a=result_a, result_b=result_b, lines=lines)
