"""'What if' scenarios as pure functions: a formula's spec and a set of changes in, the new requests out, side by side
with the live plan, with the shortfall against the target and the ways to close it. Nothing here touches the database.

A scenario's `changes` are plain data (declines, pays, basis_values, category_weights, total), described and read
in `allocations.scenario_changes`.

How the figures are made:

- the scenario's requests are the formula computed with the changed inputs (basis values, weights, total), then
  the partners that decline are asked for nothing and those that pay a set amount are asked for that;
- the target per year is the formula's total (weighted, cost model) or, for a fixed formula, its stated total if
  it has one, else the sum of its amounts; a scenario's `total` replaces it;
- the shortfall is target − scenario total, per year, over the commission's years, and against the commission's
  overall target; a negative shortfall is a surplus and is shown as one, never hidden;
- the ways to close a gap: (a) re-spread it across the remaining partners by the formula, (b) draw on a reserve,
  (c) reduce a work-stream, alone or all of them by their shares. Every split is by largest remainder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allocations import formulas
from allocations.formulas import FIXED, FormulaError, FormulaResult, FormulaSpec
from allocations.scenario_changes import Changes, ChangesError, read_changes
from commissioning.money import PENNY, POUND, ZERO, format_pounds, split


def parse_changes(raw: Any, spec: FormulaSpec, *, formula_words: str = "the formula") -> Changes:
    """Check a scenario's changes against the formula (see `scenario_changes.read_changes` for what is refused)
    and that the formula can still be computed with them; raises `ChangesError` saying why not."""
    changes = read_changes(raw, spec, formula_words=formula_words)
    try:
        formulas.compute(changed_spec(spec, changes))
    except FormulaError as error:
        raise ChangesError([f"With these changes the formula cannot be computed: {error}"]) from None
    return changes


# --- Applying changes ------------------------------------------------------------------------------------------


def changed_spec(spec: FormulaSpec, changes: Changes) -> FormulaSpec:
    """The formula with the scenario's inputs changed (basis values, category weights, the total to share).

    Declines and set amounts are not applied here: they override the lines afterwards, so the other partners
    keep what the formula asks of them and the gap shows. For a fixed formula `total` is the target, which the
    engine does not use, so it is left to `target_per_year`.
    """
    participants = tuple(
        dataclasses.replace(p, basis_value=changes.basis_values[p.partner_id])
        if p.partner_id in changes.basis_values
        else p
        for p in spec.participants
    )
    categories = tuple(
        dataclasses.replace(c, weight=changes.category_weights[c.name]) if c.name in changes.category_weights else c
        for c in spec.categories
    )
    total = spec.total
    if changes.total is not None and spec.method != FIXED:
        total = changes.total
    return dataclasses.replace(spec, participants=participants, categories=categories, total=total)


def adopted_spec(spec: FormulaSpec, changes: Changes) -> FormulaSpec:
    """The formula as adopting the scenario would make it: the next version's inputs.

    The partners that decline leave the formula; a partner that pays a set amount keeps it as its amount (a
    fixed formula's amount, or a weighted or cost-model formula's set amount, the rest of the total being shared
    by the formula); the changed inputs and total are kept. For weighted and cost-model formulas this is also the
    "re-spread by the formula" way to close the gap, because such a formula always asks for its whole total.
    """
    changed = changed_spec(spec, changes)
    participants = tuple(
        dataclasses.replace(p, fixed_amount=changes.pays[p.partner_id]) if p.partner_id in changes.pays else p
        for p in changed.participants
        if p.partner_id not in changes.declines
    )
    total = changes.total if changes.total is not None else spec.total
    return dataclasses.replace(changed, participants=participants, total=total)


# --- Results ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """A shortfall (positive) or a surplus (negative), with what a page needs to say which."""

    value: Decimal

    @property
    def is_gap(self) -> bool:
        return self.value > 0

    @property
    def is_surplus(self) -> bool:
        return self.value < 0

    @property
    def size(self) -> Decimal:
        return abs(self.value)


@dataclass(frozen=True)
class ScenarioLine:
    partner_id: int
    name: str
    live: Decimal
    scenario: Decimal
    change: str  # "declines", "pays", "recomputed" (inputs changed) or "" (as the live plan)

    @property
    def difference(self) -> Decimal:
        return self.scenario - self.live


@dataclass(frozen=True)
class YearFigures:
    number: int
    label: str
    live_total: Decimal
    scenario_total: Decimal
    target: Decimal

    @property
    def shortfall(self) -> Amount:
        return Amount(self.target - self.scenario_total)


@dataclass(frozen=True)
class RespreadLine:
    partner_id: int
    name: str
    scenario: Decimal
    new: Decimal
    took_rounding: bool = False  # the line took a rounding unit in the largest-remainder split

    @property
    def extra(self) -> Decimal:
        return self.new - self.scenario


@dataclass(frozen=True)
class Respread:
    """Way (a): the remaining partners make up the gap. `possible` is False with a `reason` when they cannot."""

    possible: bool
    rule: str
    reason: str = ""
    lines: tuple[RespreadLine, ...] = ()
    unit: Decimal = POUND

    @property
    def total_extra(self) -> Decimal:
        return sum((line.extra for line in self.lines), ZERO)

    @property
    def new_total(self) -> Decimal:
        return sum((line.new for line in self.lines), ZERO)


@dataclass(frozen=True)
class ReserveInfo:
    """A reserve at its opening balance: drawdowns will be read from the ledger, which is not built yet."""

    name: str
    opening_balance: Decimal


@dataclass(frozen=True)
class ReserveOption:
    """Way (b): draw the gap from a reserve each year. Measured against the opening balance (see `ReserveInfo`)."""

    name: str
    opening_balance: Decimal
    per_year: Decimal
    years: int

    @property
    def needed(self) -> Decimal:
        return self.per_year * self.years

    @property
    def covers(self) -> bool:
        return self.opening_balance >= self.needed

    @property
    def left_after(self) -> Decimal:
        """What the reserve would hold after the drawdowns; negative is how far short it falls."""
        return self.opening_balance - self.needed

    @property
    def short_by(self) -> Decimal:
        return max(self.needed - self.opening_balance, ZERO)

    @property
    def years_covered(self) -> int:
        """Whole years of the gap the opening balance would meet."""
        if self.per_year <= 0:
            return self.years
        return min(self.years, int(self.opening_balance // self.per_year))


@dataclass(frozen=True)
class WorkStreamInfo:
    work_stream_id: int
    name: str
    share: Decimal  # pooled share, percent


@dataclass(frozen=True)
class YearInfo:
    number: int
    label: str
    # Work-stream id → the year's allocation in force, when the year's allocations have been set; else None.
    allocations: Mapping[int, Decimal] | None = None


@dataclass(frozen=True)
class PlanContext:
    """What the shortfall and the ways to close it need from the commission, read once from the database."""

    commission_target: Decimal
    years: tuple[YearInfo, ...]
    reserves: tuple[ReserveInfo, ...] = ()
    work_streams: tuple[WorkStreamInfo, ...] = ()


@dataclass(frozen=True)
class WorkStreamCut:
    work_stream_id: int
    name: str
    share: Decimal
    allocation: Decimal  # before the cut
    alone_reduction: Decimal  # if this work-stream alone absorbed the gap
    spread_reduction: Decimal  # its part when the cut is spread across work-streams by their shares
    took_rounding: bool  # its part of the spread cut took a rounding unit

    @property
    def alone_becomes(self) -> Decimal:
        return self.allocation - self.alone_reduction

    @property
    def alone_possible(self) -> bool:
        return self.alone_becomes >= 0

    @property
    def spread_becomes(self) -> Decimal:
        return self.allocation - self.spread_reduction

    @property
    def spread_possible(self) -> bool:
        return self.spread_becomes >= 0


@dataclass(frozen=True)
class WorkStreamYear:
    """Way (c) for one year: each pooled work-stream's allocation and what it becomes under each kind of cut."""

    number: int
    label: str
    from_allocations: bool  # True: the year's allocations as set; False: the year's target split by the shares
    cuts: tuple[WorkStreamCut, ...]
    unit: Decimal

    @property
    def allocation_total(self) -> Decimal:
        return sum((cut.allocation for cut in self.cuts), ZERO)

    @property
    def spread_total(self) -> Decimal:
        return sum((cut.spread_reduction for cut in self.cuts), ZERO)

    @property
    def spread_becomes_total(self) -> Decimal:
        return sum((cut.spread_becomes for cut in self.cuts), ZERO)

    @property
    def spread_possible(self) -> bool:
        return all(cut.spread_possible for cut in self.cuts)


@dataclass(frozen=True)
class ScenarioResult:
    method: str
    unit: Decimal
    descriptions: tuple[str, ...]
    lines: tuple[ScenarioLine, ...]
    live_total: Decimal
    scenario_total: Decimal
    live_target: Decimal
    target: Decimal
    years: tuple[YearFigures, ...]
    commission_target: Decimal
    respread: Respread | None
    reserves: tuple[ReserveOption, ...]
    work_stream_years: tuple[WorkStreamYear, ...]
    adopted_lines: tuple[formulas.Line, ...] | None
    adoption_problem: str = ""

    @property
    def number_of_years(self) -> int:
        return len(self.years)

    @property
    def shortfall(self) -> Amount:
        """Per year: target − scenario total."""
        return Amount(self.target - self.scenario_total)

    @property
    def total_difference(self) -> Decimal:
        return self.scenario_total - self.live_total

    @property
    def live_shortfall(self) -> Amount:
        return Amount(self.live_target - self.live_total)

    @property
    def live_total_over_years(self) -> Decimal:
        return self.live_total * self.number_of_years

    @property
    def scenario_total_over_years(self) -> Decimal:
        return self.scenario_total * self.number_of_years

    @property
    def target_over_years(self) -> Decimal:
        return self.target * self.number_of_years

    @property
    def live_target_over_years(self) -> Decimal:
        return self.live_target * self.number_of_years

    @property
    def shortfall_over_years(self) -> Amount:
        return Amount(self.target_over_years - self.scenario_total_over_years)

    @property
    def live_shortfall_over_years(self) -> Amount:
        return Amount(self.live_target_over_years - self.live_total_over_years)

    @property
    def shortfall_against_commission_target(self) -> Amount:
        return Amount(self.commission_target - self.scenario_total_over_years)

    @property
    def live_shortfall_against_commission_target(self) -> Amount:
        return Amount(self.commission_target - self.live_total_over_years)

    @property
    def adopted_total(self) -> Decimal:
        return sum((line.amount for line in self.adopted_lines or ()), ZERO)

    @property
    def adopted_shortfall(self) -> Amount:
        """What would still be short of the target once adopted (a fixed formula keeps its gap until closed)."""
        return Amount(self.target - self.adopted_total)


def _unit_for(unit: Decimal, *amounts: Decimal) -> Decimal:
    """The formula's unit when every amount is a whole number of it, else the penny (a split must be exact)."""
    return unit if all(amount == amount.quantize(unit) for amount in amounts) else PENNY


def live_target(spec: FormulaSpec, live: FormulaResult) -> Decimal:
    """The yearly target of the live plan: the formula's total; a fixed formula's stated total, else its sum."""
    if spec.total is not None:
        return spec.total
    return live.total


def target_per_year(spec: FormulaSpec, changes: Changes, live: FormulaResult) -> Decimal:
    return changes.total if changes.total is not None else live_target(spec, live)


def plain(value: Decimal) -> str:
    """A weight or basis value as a person writes it: `2` for 2.0000, `2.5` for 2.5000."""
    return f"{value.normalize():f}"


def describe(spec: FormulaSpec, changes: Changes, live: FormulaResult) -> tuple[str, ...]:
    """The changes in words, each with the live figure it replaces."""
    names = {p.partner_id: p.name for p in spec.participants}
    basis = {p.partner_id: p.basis_value for p in spec.participants}
    weights = {c.name: c.weight for c in spec.categories}
    words = [
        f"{names[pk]} declines (the live plan asks {format_pounds(live.amount_for(pk))} a year)."
        for pk in sorted(changes.declines, key=lambda pk: names[pk])
    ]
    words += [
        f"{names[pk]} pays {format_pounds(amount)} a year instead of {format_pounds(live.amount_for(pk))}."
        for pk, amount in sorted(changes.pays.items(), key=lambda item: names[item[0]])
    ]
    for pk, value in sorted(changes.basis_values.items(), key=lambda item: names[item[0]]):
        was = basis[pk]
        words.append(
            f"{names[pk]}'s basis value is {plain(value)} instead of {plain(was) if was is not None else 'none'}."
        )
    words += [
        f"'{name}' weighs {plain(weight)} instead of {plain(weights[name])}."
        for name, weight in sorted(changes.category_weights.items())
    ]
    if changes.total is not None:
        what = "target" if spec.method == FIXED else "total to share"
        words.append(
            f"The yearly {what} is {format_pounds(changes.total)} instead of {format_pounds(live_target(spec, live))}."
        )
    return tuple(words)


def scenario_lines(spec: FormulaSpec, changes: Changes, live: FormulaResult) -> tuple[ScenarioLine, ...]:
    """One line per partner of the live formula: what the live plan asks, and what the scenario asks."""
    computed = formulas.compute(changed_spec(spec, changes))
    lines = []
    for live_line in live.lines:
        partner_id = live_line.partner_id
        if partner_id in changes.declines:
            amount, change = ZERO, "declines"
        elif partner_id in changes.pays:
            amount, change = changes.pays[partner_id], "pays"
        else:
            amount = computed.amount_for(partner_id)
            change = "recomputed" if amount != live_line.amount else ""
        lines.append(ScenarioLine(partner_id, live_line.name, live_line.amount, amount, change))
    return tuple(lines)


def respread(spec: FormulaSpec, changes: Changes, lines: tuple[ScenarioLine, ...], gap: Decimal) -> Respread:
    """Way (a): the remaining partners (neither declining nor paying a set amount) make up the gap.

    Weighted and cost-model formulas are computed again with the declining partners out and the partners that pay
    a set amount held at it, so the remaining partners share the whole target by the formula. A fixed formula has
    no formula to recompute, so the gap is split pro rata to the remaining partners' amounts. Either way the new
    amounts sum exactly to the target.
    """
    remaining = [
        line for line in lines if line.partner_id not in changes.declines and line.partner_id not in changes.pays
    ]
    if spec.method == FIXED:
        rule = "the gap split pro rata to the remaining partners' amounts, by largest remainder"
        base = sum((line.scenario for line in remaining), ZERO)
        if not remaining or base == 0:
            return Respread(False, rule, "No remaining partner pays anything to spread the gap in proportion to.")
        unit = _unit_for(spec.unit, gap)
        extras = split(gap, [line.scenario for line in remaining], unit)
        extra_by_id = {line.partner_id: extras.parts[index] for index, line in enumerate(remaining)}
        rounded = {remaining[index].partner_id for index in extras.rounded}
        new_lines = tuple(
            RespreadLine(
                line.partner_id,
                line.name,
                line.scenario,
                line.scenario + extra_by_id.get(line.partner_id, ZERO),
                took_rounding=line.partner_id in rounded,
            )
            for line in lines
            if line.partner_id not in changes.declines
        )
        return Respread(True, rule, lines=new_lines, unit=unit)
    rule = "the formula computed again with the declining partners out and set amounts held"
    if not remaining:
        return Respread(False, rule, "Every partner declines or pays a set amount: no one is left to share the gap.")
    try:
        result = formulas.compute(adopted_spec(spec, changes))
    except FormulaError as error:
        return Respread(False, rule, str(error))
    by_id = {line.partner_id: line for line in result.lines}
    new_lines = tuple(
        RespreadLine(
            line.partner_id,
            line.name,
            line.scenario,
            by_id[line.partner_id].amount,
            took_rounding=_took_unit(by_id[line.partner_id]),
        )
        for line in lines
        if line.partner_id not in changes.declines
    )
    return Respread(True, rule, lines=new_lines, unit=spec.unit)


def _took_unit(line: formulas.Line) -> bool:
    """Whether the formula's largest-remainder rounding gave this line a unit, at any step (its provenance says)."""
    steps = [line.provenance.get("rounding", "")] + [
        c.get("rounding", "") for c in line.provenance.get("categories", [])
    ]
    return any("took one extra" in step for step in steps)


def reserve_options(context: PlanContext, gap: Decimal) -> tuple[ReserveOption, ...]:
    """Way (b): each reserve of the commission against the gap over the commission's years."""
    return tuple(ReserveOption(r.name, r.opening_balance, gap, len(context.years)) for r in context.reserves)


def work_stream_years(context: PlanContext, gap: Decimal, target: Decimal, unit: Decimal) -> tuple[WorkStreamYear, ...]:
    """Way (c): for each year, each pooled work-stream's cut if it alone absorbed the gap, and its part of the cut
    spread across the work-streams by their shares (largest remainder).

    A year whose allocations have been set for every pooled work-stream is cut from those allocations; any other
    year from the year's target split by the pooled shares, as the plan would fund it.
    """
    streams = context.work_streams
    if not streams:
        return ()
    shares = [stream.share for stream in streams]
    years = []
    for year in context.years:
        allocations = year.allocations or {}
        from_allocations = all(stream.work_stream_id in allocations for stream in streams)
        if from_allocations:
            bases = [allocations[stream.work_stream_id] for stream in streams]
        else:
            bases = list(split(target, shares, _unit_for(unit, target)).parts)
        cut_unit = _unit_for(unit, gap)
        cut = split(gap, shares, cut_unit)
        years.append(
            WorkStreamYear(
                number=year.number,
                label=year.label,
                from_allocations=from_allocations,
                unit=cut_unit,
                cuts=tuple(
                    WorkStreamCut(
                        work_stream_id=stream.work_stream_id,
                        name=stream.name,
                        share=stream.share,
                        allocation=bases[index],
                        alone_reduction=gap,
                        spread_reduction=cut.parts[index],
                        took_rounding=index in cut.rounded,
                    )
                    for index, stream in enumerate(streams)
                ),
            )
        )
    return tuple(years)


def compute(spec: FormulaSpec, changes: Changes, context: PlanContext) -> ScenarioResult:
    """The scenario beside the live plan, the shortfall, and, when there is a gap, the ways to close it.

    Raises `FormulaError` when the live formula cannot be computed, and `ChangesError` when the changes cannot
    be applied (check them first with `parse_changes`).
    """
    live = formulas.compute(spec)
    try:
        lines = scenario_lines(spec, changes, live)
    except FormulaError as error:
        raise ChangesError([f"With these changes the formula cannot be computed: {error}"]) from None
    scenario_total = sum((line.scenario for line in lines), ZERO)
    target = target_per_year(spec, changes, live)
    live_goal = live_target(spec, live)
    gap = target - scenario_total
    years = tuple(YearFigures(year.number, year.label, live.total, scenario_total, target) for year in context.years)
    adopted_lines: tuple[formulas.Line, ...] | None = None
    adoption_problem = ""
    try:
        adopted_lines = formulas.compute(adopted_spec(spec, changes)).lines
    except FormulaError as error:
        adoption_problem = str(error)
    closing = gap > 0
    return ScenarioResult(
        method=spec.method,
        unit=spec.unit,
        descriptions=describe(spec, changes, live),
        lines=lines,
        live_total=live.total,
        scenario_total=scenario_total,
        live_target=live_goal,
        target=target,
        years=years,
        commission_target=context.commission_target,
        respread=respread(spec, changes, lines, gap) if closing else None,
        reserves=reserve_options(context, gap) if closing else (),
        work_stream_years=work_stream_years(context, gap, target, spec.unit) if closing else (),
        adopted_lines=adopted_lines,
        adoption_problem=adoption_problem,
    )
